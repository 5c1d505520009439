//! The task market: each task's deterministic state machine, from post to settlement.
//!
//! Owns the rules between task events (who may bid, claim, decide, dispute, vote, settle, cancel or
//! expire, and when) and asks the ledger to move money and the karma book to record outcomes. It
//! never reads a clock: "now" is always an event's timestamp. It never iterates a hash map. Events
//! must come in fold order ((timestamp, id), see `economy`).
//!
//! Lifecycle: Open → (Awarded) → Claimed → Submitted → Accepted → Settled; or Submitted → Rejected
//! → (Judging → verdict) → Settled / Failed, or Judging → Void; or Open/Awarded → Cancelled; or
//! Open/Awarded/Claimed → Expired. Jury-verified submissions go straight to Judging; automatic
//! verification accepts or fails a submission at once.
//!
//! Timeouts: a task that waits for someone (a decision, a receipt, a dispute, a jury's majority)
//! moves on by itself once the fold's clock is past its window (`Task::due_ms`, `timeout`), as of
//! the instant the window closed; `Market::lapse` keeps the waiting tasks by that instant.
//!
//! Waiting: an event naming an event that has not taken effect (its task, the parent of a subtask,
//! a bid, a submission, an acceptance, a jury case) waits for it, uncounted (`Step::WaitsFor`); the
//! economy applies it right after that event. If it never takes effect the waiter never does either.
//!
//! Races: a refusal only because the task had just moved on (a claim losing to an earlier claim,
//! a cancel crossing a claim, a vote after the verdict) is not counted against its author when its
//! timestamp is within the genesis's `timestamp_tolerance_ms` of the task's latest state change.

mod flow;
mod jury;
mod payout;
mod refusal;
mod review;
mod task;
mod timeout;

use std::collections::{BTreeMap, BTreeSet};

use crate::events::{Event, Genesis, SignedEvent};
use crate::karma::KarmaBook;
use crate::ledger::{Ledger, LedgerError};
use crate::wire::EventId;

pub use refusal::Refusal;
pub use task::{BidView, Jury, Rejection, Submission, Task, TaskState};

/// What the market acts on: the swarm's rules, its money and its karma, and which events have
/// taken effect so far.
pub struct Swarm<'a> {
    pub rules: &'a Genesis,
    pub ledger: &'a mut Ledger,
    pub karma: &'a mut KarmaBook,
    pub applied: &'a BTreeSet<EventId>,
}

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Applied,
    /// Names an event that has not taken effect; apply again right after it does.
    WaitsFor(EventId),
    /// Broke a rule and changed nothing; `counted` is false for an honest race.
    Refused {
        reason: Refusal,
        counted: bool,
    },
}

/// Why a rule stopped an event: it waits for another, or it is refused.
enum Halt {
    Wait(EventId),
    Refuse(Refusal),
}

impl From<Refusal> for Halt {
    fn from(refusal: Refusal) -> Self {
        Halt::Refuse(refusal)
    }
}

impl From<LedgerError> for Halt {
    fn from(error: LedgerError) -> Self {
        Halt::Refuse(Refusal::Books(error))
    }
}

/// An event names `id` but it is not what the rule expects: wait for it if it has not taken effect
/// yet, else refuse with `refusal`.
fn missing(swarm: &Swarm, id: EventId, refusal: Refusal) -> Halt {
    if swarm.applied.contains(&id) {
        Halt::Refuse(refusal)
    } else {
        Halt::Wait(id)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Market {
    tasks: BTreeMap<EventId, Task>,
    /// Waiting tasks by the instant their wait times out (`Task::due_ms`). An entry whose task
    /// moved on since (to another wait, or to an end) is skipped when it comes due.
    timeouts: BTreeSet<(u64, EventId)>,
    /// Tasks archived off the market so far (`Market::archive`).
    archived: u64,
}

impl Market {
    pub fn new() -> Self {
        Market::default()
    }

    pub fn task(&self, id: &EventId) -> Option<&Task> {
        self.tasks.get(id)
    }

    /// Every task, in id order.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.values()
    }

    /// How many tasks were archived off the market so far (`Market::archive`).
    pub fn archived(&self) -> u64 {
        self.archived
    }

    /// Archives (removes) every task that is final since `horizon_ms` or earlier, except the
    /// ancestors of a task that stays (a subtask keeps its parent chain on the board). Returns the
    /// archived tasks, in id order. Deterministic: it reads only the market's state.
    ///
    /// An event that names an archived task afterwards finds no task, as one naming a task never
    /// posted would: it waits, uncounted (`Step::WaitsFor`), see `economy`.
    pub fn archive(&mut self, horizon_ms: u64) -> Vec<Task> {
        let mut archivable: BTreeSet<EventId> = self
            .tasks
            .values()
            .filter(|task| task.state.is_final() && task.closed_ms.is_some_and(|closed_ms| closed_ms <= horizon_ms))
            .map(|task| task.id)
            .collect();
        let staying: Vec<EventId> = self.tasks.keys().filter(|id| !archivable.contains(id)).copied().collect();
        for id in staying {
            let mut parent = self.tasks.get(&id).and_then(|task| task.terms.parent);
            // A parent not archivable stays itself (its own chain is walked), or was kept by an
            // earlier walk (which went on up from it).
            while let Some(parent_id) = parent.filter(|parent_id| archivable.remove(parent_id)) {
                parent = self.tasks.get(&parent_id).and_then(|task| task.terms.parent);
            }
        }
        let archived: Vec<Task> = archivable.iter().filter_map(|id| self.tasks.remove(id)).collect();
        self.archived = self.archived.saturating_add(archived.len() as u64);
        archived
    }

    /// Applies one task event.
    pub fn apply(&mut self, swarm: &mut Swarm, event: &SignedEvent) -> Step {
        let task_id = match &event.event {
            Event::TaskPosted(terms) => {
                return match flow::post(&mut self.tasks, swarm, event, terms) {
                    Ok(()) => Step::Applied,
                    Err(Halt::Wait(id)) => Step::WaitsFor(id),
                    Err(Halt::Refuse(reason)) => Step::Refused { reason, counted: true },
                };
            }
            other => other.task(),
        };
        let Some(task_id) = task_id else {
            let reason = Refusal::NotATaskEvent(event.event.kind_name());
            return Step::Refused { reason, counted: true };
        };
        let Some(task) = self.tasks.get_mut(&task_id) else {
            return match missing(swarm, task_id, Refusal::UnknownTask(task_id)) {
                Halt::Wait(id) => Step::WaitsFor(id),
                Halt::Refuse(reason) => Step::Refused { reason, counted: true },
            };
        };
        let at = event.timestamp_ms();
        let result = match &event.event {
            Event::Bid(bid) => flow::bid(task, event, bid),
            Event::Award(award) => flow::award(task, swarm, event, award),
            Event::TaskClaimed(claim) => flow::claim(task, swarm, event, claim),
            Event::Cancel(_) => flow::cancel(task, swarm, event),
            Event::Expire(_) => flow::expire(task, swarm, event),
            Event::ResultSubmitted(submitted) => review::submit(task, swarm, event, submitted),
            Event::ResultAccepted(decision) => review::accept(task, swarm, event, decision),
            Event::ResultRejected(rejected) => review::reject(task, swarm, event, rejected),
            Event::Dispute(dispute) => review::dispute(task, swarm, event, dispute),
            Event::JuryVote(vote) => jury::vote(task, swarm, event, vote),
            Event::Settle(settle) => payout::settle(task, swarm, event, settle),
            _ => Err(Halt::Refuse(Refusal::NotATaskEvent(event.event.kind_name()))),
        };
        match result {
            Ok(()) => {
                task.timeline.push(event.id);
                if let Some(due_ms) = task.due_ms(swarm.rules) {
                    self.timeouts.insert((due_ms, task_id));
                }
                Step::Applied
            }
            Err(Halt::Wait(id)) => Step::WaitsFor(id),
            Err(Halt::Refuse(reason)) => {
                let raced =
                    reason.may_be_a_race() && at <= task.changed_ms.saturating_add(swarm.rules.timestamp_tolerance_ms);
                Step::Refused { reason, counted: !raced }
            }
        }
    }

    /// Every wait whose window closed before `now_ms` times out (see `timeout`), as of the instant
    /// its window closed, earliest first; a wait that follows one (an acceptance by silence, then
    /// its settlement window) is queued and times out in turn if its window closed too.
    pub fn lapse(&mut self, swarm: &mut Swarm, now_ms: u64) -> Result<(), LedgerError> {
        while let Some(&(due_ms, task_id)) = self.timeouts.first() {
            if due_ms >= now_ms {
                break;
            }
            self.timeouts.remove(&(due_ms, task_id));
            let Some(task) = self.tasks.get_mut(&task_id) else { continue };
            if task.due_ms(swarm.rules) != Some(due_ms) {
                continue;
            }
            timeout::lapse(task, swarm, due_ms)?;
            // Every window is positive, so a wait that follows one times out strictly later.
            if let Some(next_ms) = task.due_ms(swarm.rules).filter(|&next_ms| next_ms > due_ms) {
                self.timeouts.insert((next_ms, task_id));
            }
        }
        Ok(())
    }
}
