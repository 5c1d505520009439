//! One task as the market sees it: its posted terms, where it stands, who works on it, and every
//! event that moved it. Owns the shape shown on the board; the rules that change it are in the
//! sibling modules (`flow`, `review`, `jury`, `payout`, `timeout`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::events::{Genesis, TaskPosted};
use crate::identity::PeerId;
use crate::ledger::split;
use crate::wire::EventId;

/// Where a task stands. `Settled`, `Failed`, `Void`, `Cancelled` and `Expired` are final: the
/// escrow and any stake have been paid out or given back. `Submitted`, `Accepted`, `Rejected` and
/// `Judging` wait for someone and time out (`Task::due_ms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskState {
    /// Posted and funded; takes bids and claims.
    Open,
    /// The requester picked a bid; only that bidder may claim.
    Awarded,
    /// A claimant has locked its stake and works on it.
    Claimed,
    /// A result is in, waiting for the requester's decision.
    Submitted,
    /// The result was accepted, waiting for the executor's receipt.
    Accepted,
    /// The requester rejected the result; the executor may dispute it within the dispute window.
    Rejected,
    /// A jury case is open (a dispute, or a jury-verified submission).
    Judging,
    /// The executor was paid.
    Settled,
    /// The result was rejected for good: escrow back to the requester, stake forfeited.
    Failed,
    /// The jury case was void (too few jurors drawn, or no majority within the jury window): escrow
    /// back to the requester, stake back to the executor, no karma for either.
    Void,
    Cancelled,
    Expired,
}

impl TaskState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskState::Settled | TaskState::Failed | TaskState::Void | TaskState::Cancelled | TaskState::Expired
        )
    }

    /// Does the task hold a claimant's stake in this state?
    pub fn holds_stake(self) -> bool {
        matches!(
            self,
            TaskState::Claimed | TaskState::Submitted | TaskState::Accepted | TaskState::Rejected | TaskState::Judging
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Awarded => "awarded",
            TaskState::Claimed => "claimed",
            TaskState::Submitted => "submitted",
            TaskState::Accepted => "accepted",
            TaskState::Rejected => "rejected",
            TaskState::Judging => "judging",
            TaskState::Settled => "settled",
            TaskState::Failed => "failed",
            TaskState::Void => "void",
            TaskState::Cancelled => "cancelled",
            TaskState::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidView {
    pub id: EventId,
    pub bidder: PeerId,
    pub price: u64,
    pub eta_ms: u64,
    pub fitness_ppm: u32,
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub id: EventId,
    pub result: String,
    pub result_hash: [u8; 32],
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The rejecting event, or the submission itself when automatic verification refused it.
    pub id: EventId,
    pub reason: String,
    pub at_ms: u64,
}

/// A jury case: who sits, how they voted, and the verdict once a majority agrees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jury {
    /// The dispute, or for jury-verified tasks the submission.
    pub case: EventId,
    pub opened_ms: u64,
    /// Drawn at opening, in draw order.
    pub jurors: Vec<PeerId>,
    /// Agreeing votes a verdict needs: a strict majority of the genesis's jury size, however many
    /// jurors were drawn. A case drawing fewer jurors than this is void at once.
    pub needed: usize,
    /// `true`: for the executor.
    pub votes: BTreeMap<PeerId, bool>,
    pub verdict: Option<bool>,
}

impl Jury {
    /// Votes needed for a verdict (`needed`).
    pub fn majority(&self) -> usize {
        self.needed
    }

    /// Could a majority ever form? Not when fewer jurors were drawn than a verdict needs.
    pub fn can_decide(&self) -> bool {
        self.jurors.len() >= self.needed
    }
}

/// A task on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: EventId,
    pub requester: PeerId,
    pub posted_ms: u64,
    /// The posted terms, as signed.
    pub terms: TaskPosted,
    /// What the escrow holds for the executor: the posted payment, or the awarded bid's price.
    pub price: u64,
    /// 0 for a root task, parent's depth + 1 for a subtask.
    pub depth: u8,
    /// The root task's `delegation.max_depth`, which bounds the whole tree.
    pub max_depth: u8,
    /// Executors of the ancestor tasks, nearest first (the first is this task's requester).
    pub delegators: Vec<PeerId>,
    pub state: TaskState,
    /// Timestamp of the latest state change (for telling a race from a late event).
    pub changed_ms: u64,
    pub bids: Vec<BidView>,
    /// The awarded bid and its bidder.
    pub award: Option<(EventId, PeerId)>,
    pub claim: Option<EventId>,
    pub claimed_ms: Option<u64>,
    pub executor: Option<PeerId>,
    pub stake: u64,
    pub submission: Option<Submission>,
    /// The accepting event: a requester's decision, or the submission itself (automatic
    /// verification, or a requester silent for the decision window).
    pub acceptance: Option<EventId>,
    /// When the result was accepted (the executor's settlement window starts here).
    pub accepted_ms: Option<u64>,
    pub rejection: Option<Rejection>,
    pub jury: Option<Jury>,
    /// When the task reached a final state.
    pub closed_ms: Option<u64>,
    /// Every event that changed the task, in fold order.
    pub timeline: Vec<EventId>,
}

impl Task {
    pub(super) fn new(id: EventId, requester: PeerId, posted_ms: u64, terms: TaskPosted) -> Self {
        Task {
            id,
            requester,
            posted_ms,
            price: terms.payment,
            max_depth: terms.delegation.max_depth,
            terms,
            depth: 0,
            delegators: Vec::new(),
            state: TaskState::Open,
            changed_ms: posted_ms,
            bids: Vec::new(),
            award: None,
            claim: None,
            claimed_ms: None,
            executor: None,
            stake: 0,
            submission: None,
            acceptance: None,
            accepted_ms: None,
            rejection: None,
            jury: None,
            closed_ms: None,
            timeline: Vec::new(),
        }
    }

    /// Moves to `state` at `at_ms` (a state change never moves `changed_ms` back).
    pub(super) fn enter(&mut self, state: TaskState, at_ms: u64) {
        self.state = state;
        self.changed_ms = self.changed_ms.max(at_ms);
        if state.is_final() {
            self.closed_ms = Some(at_ms);
        }
    }

    /// The instant the task's current wait times out under `rules`, if it waits for someone: the
    /// requester's decision (`decision_window_ms` after the submission), the executor's settlement
    /// (`decision_window_ms` after the acceptance), a dispute (`dispute_window_ms` after the
    /// rejection) or a jury's majority (`jury_window_ms` after the case opened). Events up to this
    /// instant still count; the timeout takes effect once the fold's clock is past it (`Market::lapse`).
    pub fn due_ms(&self, rules: &Genesis) -> Option<u64> {
        let (since, window) = match self.state {
            TaskState::Submitted => (self.submission.as_ref()?.at_ms, rules.decision_window_ms),
            TaskState::Accepted => (self.accepted_ms?, rules.decision_window_ms),
            TaskState::Rejected => (self.rejection.as_ref()?.at_ms, rules.dispute_window_ms),
            TaskState::Judging => (self.jury.as_ref()?.opened_ms, rules.jury_window_ms),
            _ => return None,
        };
        Some(since.saturating_add(window))
    }

    /// Accepts the result with `acceptance` at `at_ms`.
    pub(super) fn accept(&mut self, acceptance: EventId, at_ms: u64) {
        self.acceptance = Some(acceptance);
        self.accepted_ms = Some(at_ms);
        self.enter(TaskState::Accepted, at_ms);
    }

    /// The smallest stake a claim must lock: the genesis's stake ratio of the price, rounded up.
    pub fn min_stake(&self, rules: &Genesis) -> u64 {
        split::bps_of_ceil(self.price, rules.stake_ratio_bps)
    }

    /// Claim-to-submission time, once there is a submission.
    pub fn response_ms(&self) -> Option<u64> {
        Some(self.submission.as_ref()?.at_ms.saturating_sub(self.claimed_ms?))
    }
}
