//! Peers as placement candidates: the latest signed capability envelope per author, joined with
//! what the swarm knows of the author (karma in the task's domain, completion, a bid's price).

use std::collections::BTreeMap;

use crate::events::{Capability, Event, SignedEvent};
use crate::identity::PeerId;
use crate::router::TaskKind;

/// An envelope older than this says nothing reliable about the device now (it is re-signed hourly).
pub const ENVELOPE_FRESH_MS: u64 = 3 * 60 * 60 * 1000;

/// Each author's newest capability envelope with its signing time (newest by timestamp, then by
/// event id, so every peer picks the same one).
pub fn latest_envelopes<'a>(events: impl IntoIterator<Item = &'a SignedEvent>) -> BTreeMap<PeerId, (u64, Capability)> {
    let mut latest: BTreeMap<PeerId, (u64, [u8; 32], Capability)> = BTreeMap::new();
    for event in events {
        let Event::Capability(capability) = &event.event else { continue };
        let key = (event.timestamp_ms(), event.id.0);
        let newer = latest.get(&event.author()).is_none_or(|(at, id, _)| key > (*at, *id));
        if newer {
            latest.insert(event.author(), (key.0, key.1, capability.clone()));
        }
    }
    latest.into_iter().map(|(peer, (at, _, capability))| (peer, (at, capability))).collect()
}

/// A peer the router may hand a subtask to.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerCandidate {
    pub peer: PeerId,
    /// A short name for reasons ("7xKq…").
    pub label: String,
    pub capability: Capability,
    pub signed_at_ms: u64,
    /// Karma `accuracy.<kind>` in millionths, per kind (absent: 0).
    pub accuracy_ppm: BTreeMap<TaskKind, u32>,
    /// Karma `reliability.completion` in millionths.
    pub completion_ppm: u32,
    /// The peer's bid for this work, in credits, when it bid.
    pub bid_price: Option<u64>,
}

impl PeerCandidate {
    pub fn is_fresh(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.signed_at_ms) <= ENVELOPE_FRESH_MS
    }

    pub fn accuracy(&self, kind: TaskKind) -> u32 {
        self.accuracy_ppm.get(&kind).copied().unwrap_or(0)
    }

    /// The device has a GPU that is not a software fallback.
    pub fn has_real_gpu(&self) -> bool {
        self.capability.backend == "webgpu" && !self.capability.fallback_adapter
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EPOCH_MS;
    use crate::identity::Identity;
    use crate::router::OwnerPolicy;
    use crate::wire::EventId;

    #[test]
    fn the_newest_envelope_per_author_wins_whatever_the_order() {
        let (a, b) = (Identity::from_seed([1; 32]), Identity::from_seed([2; 32]));
        let envelope = |who: &Identity, at: u64, cores: u16| {
            let capability = Capability {
                backend: "cpu".into(),
                adapter: String::new(),
                fallback_adapter: false,
                cores,
                memory_mib: 0,
                gpu_max_buffer_mib: 0,
                embeddings_per_s_x10: 0,
                gflops_x10: 0,
                power: Default::default(),
                battery_percent: u8::MAX,
                connection: String::new(),
                policy: OwnerPolicy::default(),
            };
            SignedEvent::create(who, EventId([7; 32]), 1, EPOCH_MS + at, Event::Capability(capability)).unwrap()
        };
        let events = [envelope(&a, 20, 8), envelope(&b, 5, 2), envelope(&a, 10, 4)];
        let latest = latest_envelopes(&events);
        assert_eq!(latest.len(), 2);
        assert_eq!((latest[&a.peer_id()].0, latest[&a.peer_id()].1.cores), (EPOCH_MS + 20, 8));
        assert_eq!(latest[&b.peer_id()].1.cores, 2);
    }
}
