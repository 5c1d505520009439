//! The figures of one scenario run for one system, as a table row and as one JSON line.
//!
//! Owns the definitions of the figures (docs/benchmarks.md explains them) and their formatting.

use serde::Serialize;

/// Nearest-rank percentile of sorted values (0 when empty).
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub system: String,
    pub scenario: String,
    pub peers: usize,
    pub live_peers: usize,
    pub seed: u64,
    pub broadcasts: usize,
    /// Deliveries made / deliveries expected (every live peer but the origin, per broadcast).
    pub delivery_ratio: f64,
    pub undelivered: u64,
    pub latency_p50_ms: u64,
    pub latency_p99_ms: u64,
    /// Links travelled by deliveries that came by broadcast (not by reconciliation).
    pub hops_p50: u64,
    pub hops_p99: u64,
    pub hops_max: u64,
    /// Payload frames sent during the window / broadcasts / live peers.
    pub payload_per_broadcast_per_n: f64,
    /// Control frames sent during the window / live peers / seconds of the window.
    pub control_per_peer_per_s: f64,
    /// Reconciliation messages (state summaries and replies) and the payloads they carried.
    pub sync_messages: u64,
    pub sync_items: u64,
    pub degree_min: usize,
    pub degree_avg: f64,
    pub degree_max: usize,
    /// Partition only: time from the heal to the last delivery, if every event reached every
    /// live peer.
    pub converge_ms: Option<u64>,
    /// Largest bounded structure seen at the end across peers (mesh only).
    pub max_passive: usize,
    pub max_seen: usize,
    pub max_missing: usize,
    pub max_timers: usize,
    pub simulated_s: f64,
    pub wall_s: f64,
}

impl Report {
    pub fn table_header() -> String {
        format!(
            "{:<9} {:>9} {:>8} {:>8} {:>5} {:>5} {:>9} {:>9} {:>8} {:>13} {:>10} {:>7}",
            "system",
            "delivery",
            "p50 ms",
            "p99 ms",
            "hop50",
            "hop99",
            "payload/N",
            "ctrl/p/s",
            "sync",
            "deg min/avg/max",
            "converge",
            "wall s"
        )
    }

    pub fn table_row(&self) -> String {
        let converge = match (self.scenario.as_str(), self.converge_ms) {
            ("partition", Some(ms)) => format!("{:.1} s", ms as f64 / 1000.0),
            ("partition", None) => "never".to_string(),
            _ => "-".to_string(),
        };
        format!(
            "{:<9} {:>8.4}% {:>8} {:>8} {:>5} {:>5} {:>9.3} {:>9.3} {:>8} {:>4}/{:>4.1}/{:<4} {:>10} {:>7.1}",
            self.system,
            self.delivery_ratio * 100.0,
            self.latency_p50_ms,
            self.latency_p99_ms,
            self.hops_p50,
            self.hops_p99,
            self.payload_per_broadcast_per_n,
            self.control_per_peer_per_s,
            self.sync_messages,
            self.degree_min,
            self.degree_avg,
            self.degree_max,
            converge,
            self.wall_s
        )
    }

    pub fn json_line(&self, command: &str) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert("bench".into(), "mesh-sim".into());
            map.insert("command".into(), command.into());
        }
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), 50);
        assert_eq!(percentile(&values, 99.0), 99);
        assert_eq!(percentile(&values, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }
}
