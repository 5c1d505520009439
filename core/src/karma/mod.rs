//! Karma vectors: each identity's reputation as a pure function of the decided tasks, jury votes,
//! heartbeats, earnings and data-access claims fed in by the state machines that fold the event
//! set. Owns the numbers and their rules; never reads a clock, never draws randomness, never uses
//! floating point (views must be byte-identical natively and in wasm32), and iterates only over
//! ordered maps. Callers feed facts in event order ((timestamp, id)), as every peer does.
//!
//! # Numbers
//! Every value is a fixed-point fraction in millionths (`u32`, 0..=1,000,000); times are integer
//! milliseconds. New identities start at 0 in every dimension.
//!
//! # EMA
//! A dimension moves by `v ← v + α·(target − v)` with α = `alpha_ppm` and target 1.0 on success
//! (or agreement, or a heartbeat) and 0 on failure. The step is rounded up in size, so a value
//! does reach its target: with α = 0.1, one success gives 0.100000, two 0.190000, and a failure
//! then 0.171000.
//!
//! # Decay
//! Each stored dimension (accuracy per domain, skills, completion, uptime, jury) remembers when it
//! was last updated; reading it at `at_ms` gives `v·2^(-(at − last)/half_life)`, computed with
//! whole half-lives as shifts and a 64-step table with linear interpolation for the rest
//! (`decay.rs`). An update first decays to `at_ms`, then takes the EMA step. A time before the
//! last update means no decay; the update time never moves backwards. Response time, trust depth,
//! totals, earnings and data sets do not decay.
//!
//! # Decided tasks ([`KarmaBook::record_outcome`])
//! The worker's `accuracy[domain]` and `reliability.completion` move toward the outcome; on
//! success each of the task's skills is validated (created or raised), on failure only skills it
//! already has move toward 0. `reliability.response_ms` is an EMA of claim-to-submission times
//! (the first sample is taken as is, since 0 would read as instant); `total_tasks` counts.
//! Each delegator at level k (1 = the executor of the parent task) then gets the same accuracy and
//! completion movement with `α·attenuation^k`, and on success `trust_depth = max(trust_depth, k)`:
//! trust depth is the deepest level below an identity at which delegated work ended in success.
//! An identity moves once per outcome, at its nearest position (the worker itself, or its first
//! appearance among the delegators), so a chain of self-delegation earns nothing extra.
//!
//! # Uptime
//! Heartbeats are expected every [`HEARTBEAT_INTERVAL_MS`]. A heartbeat first moves uptime toward 0
//! once per interval missed since the previous counted heartbeat (`gap / interval − 1`, at most
//! [`MAX_MISSED_INTERVALS`]), then once toward 1. A heartbeat sooner than half an interval after
//! the previous counted one is ignored, so flooding heartbeats cannot pump uptime. Reading uptime
//! at `at_ms` also applies the intervals missed since the last heartbeat, so a peer that went
//! silent loses uptime as soon as it is read, not only when it returns.
//!
//! # Standing
//! One number to rank identities ([`KarmaBook::standing`]): `work · (1 + uptime) / 2` with
//! `work = (3·completion + jury) / 4`. Only earned work counts: heartbeats alone give standing 0,
//! so fresh identities cannot enter juries; a silent peer keeps half its standing.
//!
//! # Juries
//! [`KarmaBook::jurors`]: among identities with standing > 0 and not excluded, the
//! [`JURY_POOL_FACTOR`]·size best by standing (ties by id) form the pool; the `size` of them with
//! the lowest `SHA-256(case ‖ peer)` sit, in that order.
//!
//! # Bounds
//! Per identity at most [`MAX_NAMES`] domains, [`MAX_NAMES`] skills and [`MAX_NAMES`] data sets;
//! a new name beyond that, an empty one, or one longer than [`MAX_SKILL_CHARS`] characters is
//! ignored (names already held keep moving). Counters and earnings saturate.

mod decay;
mod jury;
mod read;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use decay::{attenuated, toward, toward_ppm, Decaying};
pub use jury::JURY_POOL_FACTOR;

use crate::events::{Genesis, MAX_SKILL_CHARS, PPM};
use crate::identity::PeerId;

/// Heartbeats are expected this often.
pub const HEARTBEAT_INTERVAL_MS: u64 = 60_000;
/// At most this many missed intervals are charged at one heartbeat (bounds the work per heartbeat).
pub const MAX_MISSED_INTERVALS: u64 = 100;
/// Per identity, the most domains, the most skills and the most data sets kept.
pub const MAX_NAMES: usize = 256;

/// The swarm's karma rules, from its genesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KarmaParams {
    /// EMA learning rate α, in millionths.
    pub alpha_ppm: u32,
    /// A dimension not updated for this long has halved (0: never decays).
    pub half_life_ms: u64,
    /// Share of a movement passed up one delegation level, in millionths.
    pub attenuation_ppm: u32,
}

impl From<&Genesis> for KarmaParams {
    fn from(genesis: &Genesis) -> Self {
        KarmaParams {
            alpha_ppm: genesis.karma_alpha_ppm,
            half_life_ms: genesis.karma_half_life_ms,
            attenuation_ppm: genesis.delegation_attenuation_ppm,
        }
    }
}

/// What a decided task means for karma.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub worker: PeerId,
    pub domain: String,
    /// The task's required skills; success validates them.
    pub skills: Vec<String>,
    pub success: bool,
    /// Claim → submission time, when there was a submission.
    pub response_ms: Option<u64>,
    /// Executors of the parent tasks, nearest first (already capped to max depth by the caller).
    pub delegators: Vec<PeerId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reliability {
    pub completion_ppm: u32,
    /// EMA of claim-to-submission times; 0 until the first submission.
    pub response_ms: u64,
    pub uptime_ppm: u32,
}

/// One identity's karma vector as of a time (decay applied).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct KarmaVector {
    /// Per domain.
    pub accuracy: BTreeMap<String, u32>,
    /// Validated by completed tasks (value above 0).
    pub skills: BTreeMap<String, u32>,
    pub reliability: Reliability,
    /// Agreement with jury majorities.
    pub jury_ppm: u32,
    /// Claimed data sets.
    pub data_access: BTreeSet<String>,
    /// Deepest delegation level below it that ended in success.
    pub trust_depth: u8,
    /// Decided tasks it worked on.
    pub total_tasks: u32,
    pub total_earnings: u64,
}

/// What is stored per identity; read through decay by `read.rs`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Record {
    accuracy: BTreeMap<String, Decaying>,
    skills: BTreeMap<String, Decaying>,
    completion: Decaying,
    uptime: Decaying,
    last_heartbeat_ms: Option<u64>,
    response_ms: Option<u64>,
    jury: Decaying,
    data_access: BTreeSet<String>,
    trust_depth: u8,
    total_tasks: u32,
    total_earnings: u64,
}

/// Every known identity's karma, updated fact by fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KarmaBook {
    params: KarmaParams,
    records: BTreeMap<PeerId, Record>,
}

/// May `name` be added to a collection holding `len` names? (Names already held always move.)
fn admissible(name: &str, len: usize) -> bool {
    len < MAX_NAMES && !name.is_empty() && name.chars().count() <= MAX_SKILL_CHARS
}

/// The entry for `name`, created at zero if there is room for it.
fn named<'a>(map: &'a mut BTreeMap<String, Decaying>, name: &str) -> Option<&'a mut Decaying> {
    if !map.contains_key(name) && !admissible(name, map.len()) {
        return None;
    }
    Some(map.entry(name.to_owned()).or_default())
}

/// Intervals missed between a heartbeat at `last_ms` and `at_ms` (the one at `at_ms` not missed).
fn missed_intervals(last_ms: u64, at_ms: u64) -> u64 {
    (at_ms.saturating_sub(last_ms) / HEARTBEAT_INTERVAL_MS).saturating_sub(1).min(MAX_MISSED_INTERVALS)
}

impl KarmaBook {
    pub fn new(params: KarmaParams) -> Self {
        KarmaBook { params, records: BTreeMap::new() }
    }

    /// Makes `who` a known identity (at zero if new).
    pub fn touch(&mut self, who: PeerId) {
        self.records.entry(who).or_default();
    }

    fn record(&mut self, who: PeerId) -> &mut Record {
        self.records.entry(who).or_default()
    }

    /// A decided task: the worker moves with α, each delegator with α·attenuation^level.
    pub fn record_outcome(&mut self, at_ms: u64, outcome: &Outcome) {
        let KarmaParams { alpha_ppm, half_life_ms, attenuation_ppm } = self.params;
        let target = if outcome.success { PPM } else { 0 };
        let worker = self.record(outcome.worker);
        worker.move_task(at_ms, &outcome.domain, target, alpha_ppm, half_life_ms);
        for skill in &outcome.skills {
            let entry =
                if outcome.success { named(&mut worker.skills, skill) } else { worker.skills.get_mut(skill.as_str()) };
            if let Some(entry) = entry {
                entry.push(at_ms, target, alpha_ppm, half_life_ms);
            }
        }
        if let Some(sample) = outcome.response_ms {
            let previous = worker.response_ms.unwrap_or(sample);
            worker.response_ms = Some(toward(previous, sample, alpha_ppm));
        }
        worker.total_tasks = worker.total_tasks.saturating_add(1);

        let mut moved = BTreeSet::from([outcome.worker]);
        for (index, delegator) in outcome.delegators.iter().enumerate().take(usize::from(u8::MAX)) {
            if !moved.insert(*delegator) {
                continue;
            }
            let level = index + 1;
            let alpha = attenuated(alpha_ppm, attenuation_ppm, level);
            let record = self.record(*delegator);
            record.move_task(at_ms, &outcome.domain, target, alpha, half_life_ms);
            if outcome.success {
                record.trust_depth = record.trust_depth.max(u8::try_from(level).unwrap_or(u8::MAX));
            }
        }
    }

    /// A juror's vote, once the case is decided: agreement with the majority moves `jury` toward 1.
    pub fn record_jury_vote(&mut self, at_ms: u64, juror: PeerId, with_majority: bool) {
        let KarmaParams { alpha_ppm, half_life_ms, .. } = self.params;
        let target = if with_majority { PPM } else { 0 };
        self.record(juror).jury.push(at_ms, target, alpha_ppm, half_life_ms);
    }

    /// A heartbeat from `who` (see the module doc for missed intervals and flooding).
    pub fn record_heartbeat(&mut self, at_ms: u64, who: PeerId) {
        let KarmaParams { alpha_ppm, half_life_ms, .. } = self.params;
        let record = self.record(who);
        let missed = match record.last_heartbeat_ms {
            Some(last) if at_ms < last.saturating_add(HEARTBEAT_INTERVAL_MS / 2) => return,
            Some(last) => missed_intervals(last, at_ms),
            None => 0,
        };
        for _ in 0..missed {
            record.uptime.push(at_ms, 0, alpha_ppm, half_life_ms);
        }
        record.uptime.push(at_ms, PPM, alpha_ppm, half_life_ms);
        record.last_heartbeat_ms = Some(at_ms);
    }

    /// Credits paid to `who` for work (saturating).
    pub fn record_earnings(&mut self, who: PeerId, amount: u64) {
        let record = self.record(who);
        record.total_earnings = record.total_earnings.saturating_add(amount);
    }

    /// `who` claims access to `dataset` (kept unverified, up to [`MAX_NAMES`] per identity).
    pub fn record_data_access(&mut self, who: PeerId, dataset: &str) {
        let record = self.record(who);
        if record.data_access.contains(dataset) || !admissible(dataset, record.data_access.len()) {
            return;
        }
        record.data_access.insert(dataset.to_owned());
    }

    /// Every known identity, in id order.
    pub fn identities(&self) -> impl Iterator<Item = &PeerId> {
        self.records.keys()
    }
}

impl Record {
    /// The movement a decided task gives the worker and (attenuated) its delegators.
    fn move_task(&mut self, at_ms: u64, domain: &str, target: u32, alpha_ppm: u32, half_life_ms: u64) {
        if let Some(accuracy) = named(&mut self.accuracy, domain) {
            accuracy.push(at_ms, target, alpha_ppm, half_life_ms);
        }
        self.completion.push(at_ms, target, alpha_ppm, half_life_ms);
    }

    /// Uptime at `at_ms`: decayed, less the intervals missed since the last heartbeat.
    fn uptime_at(&self, at_ms: u64, alpha_ppm: u32, half_life_ms: u64) -> u32 {
        let Some(last) = self.last_heartbeat_ms else { return 0 };
        let mut uptime = self.uptime.at(at_ms, half_life_ms);
        for _ in 0..missed_intervals(last, at_ms) {
            uptime = toward_ppm(uptime, 0, alpha_ppm);
        }
        uptime
    }
}
