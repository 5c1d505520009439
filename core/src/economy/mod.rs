//! The economy fold: the ledger, the market and the karma book driven by one swarm's event set,
//! from its genesis, into the views every peer shows (board, wallets, karma, refusals, totals).
//!
//! Owns the swarm-level rules (one genesis; grants only from its issuers; transfers only of the
//! author's own money; nothing before the genesis), the fold order, waiting and refusal counting.
//! Never reads a clock or draws randomness: the same set gives byte-identical views on every peer.
//!
//! # Fold
//! Events are de-duplicated by id and applied in (timestamp, id) order. An event naming one that has
//! not taken effect waits, uncounted, and is applied right after it (see `market`). The author of
//! every event that takes effect is touched in the karma book; a refused event changes nothing, not
//! even the list of known identities. The fold's clock is the latest timestamp among the events it
//! considered (at or after the genesis): before each event, and once more after it, every task
//! wait whose window closed before that clock times out (`Market::lapse`: an undecided submission
//! is accepted, an unsettled acceptance settles, an undisputed rejection stands, a jury case without
//! a majority is void), as of the instant its window closed. So the views are the state "as of" the
//! set's latest timestamp.
//!
//! # Incremental use
//! `Economy::apply` takes events in fold order and refuses an older one (`OutOfOrder`): a later
//! event may have depended on it, so a peer that receives an older event folds again
//! (`Economy::fold`, or `derive` for the views). `audit` checks the books after any event.
//!
//! # Archiving
//! An issuer's `Compacted { horizon_ms, .. }` event (kind 25) archives the settled history up to
//! `horizon_ms` as part of the fold, at that event's place in fold order: every final task closed
//! at or before the horizon leaves the market and the board (`Market::archive`; a task's ancestors
//! stay while it does), and events stamped at or before the horizon that still wait for an event
//! are dropped. What the fold needs of them is elsewhere already (balances and bounded histories in
//! the ledger, karma records). An event that later names an archived task (or one of its events)
//! finds nothing, as one naming an event never seen would: it waits, uncounted. A peer that folds
//! the whole history, one restored from a checkpoint and a newcomer fold the same `Compacted`
//! event at the same place, so they archive the same tasks and show the same views; the views
//! count the archived tasks (`EconomyViews::archived_tasks`). A swarm with no `Compacted` event
//! archives nothing. See docs/decisions.md ("Compaction").
//!
//! # Checkpoints
//! `Economy::checkpoint` writes the state after the last event as canonical bytes and
//! `Economy::fold_from` resumes from one; events at or before the checkpoint in fold order are
//! covered and skipped, uncounted (`checkpoint`).

mod audit;
mod checkpoint;
mod views;

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::events::{Event, Genesis, SignedEvent};
use crate::identity::PeerId;
use crate::karma::{KarmaBook, KarmaParams};
use crate::ledger::{Ledger, LedgerError};
use crate::market::{Market, Refusal, Step, Swarm};
use crate::wire::EventId;

pub use checkpoint::{Checkpoint, CheckpointError, CHECKPOINT_VERSION, MAX_CHECKPOINT_BYTES};
pub use views::{EconomyViews, Ignored, Wallet};

/// Why the economy cannot go on: a caller's mistake, or broken books (a bug, never a peer's doing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EconomyError {
    #[error("event {0} is not a genesis event: an economy starts from its swarm's genesis")]
    NotAGenesis(EventId),
    #[error("event {event} comes before {after} in fold order; apply events sorted by (timestamp, id)")]
    OutOfOrder { event: EventId, after: EventId },
    #[error("after event {after}: {why}")]
    Broken { after: EventId, why: String },
    #[error("{0}")]
    Checkpoint(CheckpointError),
}

/// Why an event was refused. It changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the event is timestamped before the swarm's genesis ({genesis_ms})")]
    BeforeGenesis { genesis_ms: u64 },
    #[error("this swarm already has its genesis; a second one is not part of it")]
    SecondGenesis,
    #[error("the event was signed for another swarm")]
    OtherSwarm,
    #[error("only the genesis's issuers may grant credits")]
    NotIssuer,
    #[error("only the genesis's issuers may sign a checkpoint")]
    CheckpointNotByIssuer,
    #[error("{0}")]
    Money(LedgerError),
    #[error("{0}")]
    Market(Refusal),
}

/// What became of one event in the fold.
enum Effect {
    Applied,
    WaitsFor(EventId),
    Refused(Refused),
    /// Refused as an honest race: not counted against its author.
    Raced,
}

/// One swarm's economy, folded event by event.
#[derive(Debug, Clone)]
pub struct Economy {
    genesis: EventId,
    genesis_ms: u64,
    rules: Genesis,
    ledger: Ledger,
    karma: KarmaBook,
    market: Market,
    /// Every event considered, so a duplicate changes nothing.
    seen: BTreeSet<EventId>,
    /// The genesis and the task events that took effect (what a task event may name).
    applied: BTreeSet<EventId>,
    /// Events waiting for the event they name, by that event's id.
    waiting: BTreeMap<EventId, Vec<SignedEvent>>,
    ignored: BTreeMap<PeerId, Ignored>,
    last: Option<(u64, EventId)>,
    /// The last event of the checkpoint this economy was restored from: events up to it are covered.
    covered: Option<(u64, EventId)>,
    now_ms: u64,
}

impl Economy {
    /// An empty economy under `genesis`'s rules.
    pub fn new(genesis: &SignedEvent) -> Result<Self, EconomyError> {
        let Event::Genesis(rules) = &genesis.event else { return Err(EconomyError::NotAGenesis(genesis.id)) };
        let mut karma = KarmaBook::new(KarmaParams::from(rules));
        karma.touch(genesis.author());
        Ok(Economy {
            genesis: genesis.id,
            genesis_ms: genesis.timestamp_ms(),
            rules: rules.clone(),
            ledger: Ledger::new(),
            karma,
            market: Market::new(),
            seen: BTreeSet::new(),
            applied: BTreeSet::from([genesis.id]),
            waiting: BTreeMap::new(),
            ignored: BTreeMap::new(),
            last: None,
            covered: None,
            now_ms: genesis.timestamp_ms(),
        })
    }

    /// The views of the set: `events` in any order, with duplicates; the genesis may be among them.
    pub fn derive<'a>(
        genesis: &SignedEvent,
        events: impl IntoIterator<Item = &'a SignedEvent>,
    ) -> Result<EconomyViews, EconomyError> {
        Self::fold(genesis, events, false).map(|economy| economy.views())
    }

    /// `derive`, auditing the books after every event: conservation of money, and every escrow and
    /// stake matching its task (`Economy::audit`). For tests and debugging; each audit is linear.
    pub fn derive_checked<'a>(
        genesis: &SignedEvent,
        events: impl IntoIterator<Item = &'a SignedEvent>,
    ) -> Result<EconomyViews, EconomyError> {
        Self::fold(genesis, events, true).map(|economy| economy.views())
    }

    /// The economy after folding `events` (sorted and de-duplicated here).
    pub fn fold<'a>(
        genesis: &SignedEvent,
        events: impl IntoIterator<Item = &'a SignedEvent>,
        audit_each: bool,
    ) -> Result<Economy, EconomyError> {
        Self::fold_from(genesis, None, events, audit_each)
    }

    /// `fold`, resuming from `checkpoint` when given: events it covers are skipped.
    pub fn fold_from<'a>(
        genesis: &SignedEvent,
        checkpoint: Option<&Checkpoint>,
        events: impl IntoIterator<Item = &'a SignedEvent>,
        audit_each: bool,
    ) -> Result<Economy, EconomyError> {
        let mut economy = match checkpoint {
            Some(checkpoint) => Economy::from_checkpoint(genesis, checkpoint).map_err(EconomyError::Checkpoint)?,
            None => Economy::new(genesis)?,
        };
        let ordered: BTreeMap<(u64, EventId), &SignedEvent> =
            events.into_iter().map(|e| ((e.timestamp_ms(), e.id), e)).collect();
        for event in ordered.values() {
            economy.apply(event)?;
            if audit_each {
                economy.audit().map_err(|why| EconomyError::Broken { after: event.id, why })?;
            }
        }
        Ok(economy)
    }

    /// Applies the next event in fold order (a duplicate or the genesis itself changes nothing).
    pub fn apply(&mut self, event: &SignedEvent) -> Result<(), EconomyError> {
        if event.id == self.genesis || self.seen.contains(&event.id) {
            return Ok(());
        }
        let key = (event.timestamp_ms(), event.id);
        if self.covered.is_some_and(|covered| key <= covered) {
            return Ok(());
        }
        if let Some(last) = self.last.filter(|&last| key < last) {
            return Err(EconomyError::OutOfOrder { event: event.id, after: last.1 });
        }
        self.last = Some(key);
        self.seen.insert(event.id);
        if event.envelope.swarm != self.genesis && !matches!(event.event, Event::Genesis(_)) {
            self.refuse(event, Refused::OtherSwarm);
            return Ok(());
        }
        if event.timestamp_ms() < self.genesis_ms {
            self.refuse(event, Refused::BeforeGenesis { genesis_ms: self.genesis_ms });
            return Ok(());
        }
        self.now_ms = self.now_ms.max(event.timestamp_ms());
        self.lapse(event.id)?;
        let mut ready = VecDeque::from([event.clone()]);
        while let Some(next) = ready.pop_front() {
            match self.step(&next) {
                Effect::Applied => {
                    self.karma.touch(next.author());
                    if matches!(next.event, Event::TaskPosted(_)) || next.event.task().is_some() {
                        self.applied.insert(next.id);
                    }
                    let mut waiters = self.waiting.remove(&next.id).unwrap_or_default();
                    waiters.sort_by_key(|w| (w.timestamp_ms(), w.id));
                    ready.extend(waiters);
                }
                Effect::WaitsFor(id) => self.waiting.entry(id).or_default().push(next),
                Effect::Refused(why) => self.refuse(&next, why),
                Effect::Raced => {}
            }
        }
        self.lapse(event.id)
    }

    fn step(&mut self, event: &SignedEvent) -> Effect {
        let (author, at) = (event.author(), event.timestamp_ms());
        let result = match &event.event {
            Event::Genesis(_) => Err(Refused::SecondGenesis),
            Event::Grant(_) if !self.rules.issuers.contains(&author) => Err(Refused::NotIssuer),
            Event::Compacted(_) if !self.rules.issuers.contains(&author) => Err(Refused::CheckpointNotByIssuer),
            // Which checkpoint a peer adopts is the store's business; in the fold it archives the
            // settled history up to its horizon (see "Archiving" above).
            Event::Compacted(compacted) => {
                self.archive(compacted.horizon_ms.min(at));
                Ok(())
            }
            Event::Grant(grant) => self.ledger.grant(at, author, grant.to, grant.amount).map_err(Refused::Money),
            Event::Transfer(transfer) => {
                self.ledger.transfer(at, author, transfer.to, transfer.amount).map_err(Refused::Money)
            }
            Event::Heartbeat(_) => {
                self.karma.record_heartbeat(at, author);
                Ok(())
            }
            // Placement reads envelopes straight from the event set (`router::peers`), and a task's
            // detail reads delegation records the same way; neither moves money or karma.
            Event::Capability(_) | Event::Delegated(_) => Ok(()),
            Event::DataAccessClaim(claim) => {
                self.karma.record_data_access(author, &claim.dataset);
                Ok(())
            }
            _ => {
                let mut swarm = Swarm {
                    rules: &self.rules,
                    ledger: &mut self.ledger,
                    karma: &mut self.karma,
                    applied: &self.applied,
                };
                return match self.market.apply(&mut swarm, event) {
                    Step::Applied => Effect::Applied,
                    Step::WaitsFor(id) => Effect::WaitsFor(id),
                    Step::Refused { reason, counted: true } => Effect::Refused(Refused::Market(reason)),
                    Step::Refused { counted: false, .. } => Effect::Raced,
                };
            }
        };
        match result {
            Ok(()) => Effect::Applied,
            Err(refused) => Effect::Refused(refused),
        }
    }

    /// Archives what the history up to `horizon_ms` settled: final tasks closed by then leave the
    /// market (`Market::archive`) with the ids of their events (so `applied` stays what a restored
    /// economy rebuilds from its market), and events stamped by then that still wait are dropped.
    fn archive(&mut self, horizon_ms: u64) {
        for task in self.market.archive(horizon_ms) {
            self.applied.remove(&task.id);
            for id in &task.timeline {
                self.applied.remove(id);
            }
        }
        self.waiting.retain(|_, waiters| {
            waiters.retain(|waiter| waiter.timestamp_ms() > horizon_ms);
            !waiters.is_empty()
        });
    }

    fn lapse(&mut self, after: EventId) -> Result<(), EconomyError> {
        let now_ms = self.now_ms;
        let mut swarm =
            Swarm { rules: &self.rules, ledger: &mut self.ledger, karma: &mut self.karma, applied: &self.applied };
        self.market.lapse(&mut swarm, now_ms).map_err(|e| EconomyError::Broken { after, why: e.to_string() })
    }

    fn refuse(&mut self, event: &SignedEvent, why: Refused) {
        let entry = self.ignored.entry(event.author()).or_default();
        entry.count = entry.count.saturating_add(1);
        entry.last_reason = why.to_string();
        entry.last_event = Some(event.id);
    }
}
