//! Checkpoints: the fold's whole state after a given event, as canonical bytes named by their
//! SHA-256, so that settled history can be dropped and the fold resumed from the checkpoint.
//!
//! Owns the checkpoint's shape, its codec and the rule for a safe horizon. Never decides whether a
//! checkpoint is trusted (that is the store's: `store::compaction`), never reads a clock.
//!
//! # Equality
//! `Economy::from_checkpoint(genesis, &economy.checkpoint())` followed by the events after the
//! checkpoint's `last` gives byte-identical views to folding the whole set
//! (`core/tests/economy_properties.rs`). What the fold keeps but does not need after the horizon is
//! left out: the ids of events already considered (`seen`; every later event is after `last` in
//! fold order, so it cannot be one of them) and the ids of events that took effect (`applied`,
//! rebuilt from the market: every task event that took effect is in its task's timeline, and the fold
//! drops an archived task's events from it when it archives the task, see `economy`, "Archiving").
//! Archiving keeps the checkpoint bounded: a checkpoint taken after an issuer's `Compacted` event no
//! longer holds the tasks that event archived, so it holds the tasks still open and those closed since
//! that event's horizon, and events waiting since no earlier than it.
//!
//! # Covered events
//! An event at or before `last` in fold order is *covered*: a restored economy skips it, uncounted.
//! A peer that folds the whole set would have applied it instead, so such a late event is the one
//! way an adopted checkpoint and a full fold can differ; the horizon keeps well behind the fold's
//! clock to make that need an event more than a dispute window late (`Economy::settled_horizon`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Economy, Ignored};
use crate::events::{Event, SignedEvent};
use crate::identity::PeerId;
use crate::karma::{KarmaBook, KarmaParams};
use crate::ledger::Ledger;
use crate::market::Market;
use crate::wire::EventId;

/// The checkpoint format this code writes and reads (2: the market counts its archived tasks).
pub const CHECKPOINT_VERSION: u16 = 2;
/// Largest checkpoint accepted (a few hundred bytes per task and per wallet entry; see
/// docs/benchmarks.md, "Compaction").
pub const MAX_CHECKPOINT_BYTES: usize = 32 * 1024 * 1024;

/// Why a checkpoint cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint of {0} bytes exceeds {MAX_CHECKPOINT_BYTES}")]
    TooLarge(usize),
    #[error("checkpoint does not decode: {0}")]
    Malformed(String),
    #[error("checkpoint format {0} is not {CHECKPOINT_VERSION}")]
    Version(u16),
    #[error("checkpoint belongs to another swarm")]
    OtherSwarm,
    #[error("checkpoint does not fit its swarm's rules: {0}")]
    Inconsistent(&'static str),
}

/// The fold's state after `last`, content-addressed by `id()` (SHA-256 of `encode()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u16,
    pub genesis: EventId,
    /// The timestamp of `last`: events stamped later are never covered.
    pub horizon_ms: u64,
    /// The last event folded in, in fold order (timestamp, id).
    pub last: (u64, EventId),
    /// Per yrs replica, the clock from which a compacted store keeps its entries (everything
    /// below, except the genesis, is covered). Empty from `Economy::checkpoint`; the store fills it
    /// in (`store::compaction`), so that peers that restore the checkpoint agree on their documents.
    pub floors: BTreeMap<u64, u32>,
    /// postcard of the fold's state (`State`).
    pub state: Vec<u8>,
}

/// What the fold needs to go on after `last`. Only ordered maps: postcard writes them canonically.
#[derive(Serialize, Deserialize)]
struct State {
    ledger: Ledger,
    karma: KarmaBook,
    market: Market,
    /// Events waiting for the event they name, by that event's id (encoded envelopes).
    waiting: BTreeMap<EventId, Vec<Vec<u8>>>,
    ignored: BTreeMap<PeerId, Ignored>,
    now_ms: u64,
}

impl Checkpoint {
    /// Canonical bytes.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// The content address: SHA-256 of the canonical bytes.
    pub fn id(&self) -> [u8; 32] {
        Sha256::digest(self.encode()).into()
    }

    /// Reads a checkpoint; refuses oversized input, trailing bytes and other versions.
    pub fn decode(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        if bytes.len() > MAX_CHECKPOINT_BYTES {
            return Err(CheckpointError::TooLarge(bytes.len()));
        }
        let (checkpoint, rest): (Checkpoint, _) =
            postcard::take_from_bytes(bytes).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CheckpointError::Malformed(format!("{} trailing bytes", rest.len())));
        }
        if checkpoint.version != CHECKPOINT_VERSION {
            return Err(CheckpointError::Version(checkpoint.version));
        }
        if checkpoint.horizon_ms != checkpoint.last.0 {
            return Err(CheckpointError::Inconsistent("the horizon is not the last event's timestamp"));
        }
        Ok(checkpoint)
    }

    /// Is the event at `(timestamp, id)` covered by this checkpoint (at or before `last`)?
    pub fn covers(&self, timestamp_ms: u64, id: &EventId) -> bool {
        (timestamp_ms, *id) <= self.last
    }
}

impl Economy {
    /// The fold's state after the last event it considered.
    pub fn checkpoint(&self) -> Checkpoint {
        // Nothing considered yet: cover nothing, not even events stamped before the genesis (the
        // fold still refuses and counts those when they come).
        let last = self.last.unwrap_or((0, EventId([0; 32])));
        let state = State {
            ledger: self.ledger.clone(),
            karma: self.karma.clone(),
            market: self.market.clone(),
            waiting: self
                .waiting
                .iter()
                .map(|(id, events)| (*id, events.iter().map(SignedEvent::encode).collect()))
                .collect(),
            ignored: self.ignored.clone(),
            now_ms: self.now_ms,
        };
        Checkpoint {
            version: CHECKPOINT_VERSION,
            genesis: self.genesis,
            horizon_ms: last.0,
            last,
            floors: BTreeMap::new(),
            state: postcard::to_stdvec(&state).unwrap_or_default(),
        }
    }

    /// The economy `checkpoint` describes, ready to fold the events after its `last`.
    pub fn from_checkpoint(genesis: &SignedEvent, checkpoint: &Checkpoint) -> Result<Economy, CheckpointError> {
        let Event::Genesis(rules) = &genesis.event else { return Err(CheckpointError::OtherSwarm) };
        if checkpoint.genesis != genesis.id {
            return Err(CheckpointError::OtherSwarm);
        }
        if checkpoint.version != CHECKPOINT_VERSION {
            return Err(CheckpointError::Version(checkpoint.version));
        }
        let (state, rest): (State, _) =
            postcard::take_from_bytes(&checkpoint.state).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CheckpointError::Malformed(format!("{} trailing bytes in the state", rest.len())));
        }
        if state.karma.params() != KarmaParams::from(rules) {
            return Err(CheckpointError::Inconsistent("karma parameters differ from the genesis's"));
        }
        if state.now_ms < genesis.timestamp_ms() {
            return Err(CheckpointError::Inconsistent("the fold's clock is before the genesis"));
        }
        let mut waiting: BTreeMap<EventId, Vec<SignedEvent>> = BTreeMap::new();
        for (id, envelopes) in state.waiting {
            let events = envelopes
                .iter()
                // Stored events were admitted once; only the clock check is moot here.
                .map(|bytes| SignedEvent::admit(bytes, u64::MAX))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| CheckpointError::Malformed(format!("a waiting event: {e}")))?;
            waiting.insert(id, events);
        }
        let tasks = state.market.tasks();
        let applied: BTreeSet<EventId> = std::iter::once(genesis.id)
            .chain(tasks.flat_map(|task| std::iter::once(task.id).chain(task.timeline.iter().copied())))
            .collect();
        Ok(Economy {
            genesis: genesis.id,
            genesis_ms: genesis.timestamp_ms(),
            rules: rules.clone(),
            ledger: state.ledger,
            karma: state.karma,
            market: state.market,
            seen: BTreeSet::new(),
            applied,
            waiting,
            ignored: state.ignored,
            last: Some(checkpoint.last),
            covered: Some(checkpoint.last),
            now_ms: state.now_ms,
        })
    }

    /// The latest timestamp up to which history is settled and may be compacted, or `None`:
    /// at least the timestamp tolerance plus the dispute window behind the fold's clock, and before
    /// every task that is not final yet was posted (so every task with activity up to the horizon
    /// has ended and nothing later can change it), and after the genesis.
    pub fn settled_horizon(&self) -> Option<u64> {
        let lag = self.rules.timestamp_tolerance_ms.saturating_add(self.rules.dispute_window_ms);
        let mut horizon = self.now_ms.checked_sub(lag)?;
        for task in self.market.tasks().filter(|task| !task.state.is_final()) {
            horizon = horizon.min(task.posted_ms.checked_sub(1)?);
        }
        (horizon >= self.genesis_ms).then_some(horizon)
    }

    /// The checkpoint after every event of `events` stamped at or before `horizon_ms`, folded from
    /// `base` (a previous checkpoint) or from the genesis.
    pub fn checkpoint_at<'a>(
        genesis: &SignedEvent,
        base: Option<&Checkpoint>,
        events: impl IntoIterator<Item = &'a SignedEvent>,
        horizon_ms: u64,
    ) -> Result<Checkpoint, super::EconomyError> {
        let settled = events.into_iter().filter(|e| e.timestamp_ms() <= horizon_ms);
        Ok(Economy::fold_from(genesis, base, settled, false)?.checkpoint())
    }
}
