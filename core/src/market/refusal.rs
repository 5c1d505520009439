//! Why the market refused an event: one variant per broken rule, each with a message that tells the
//! author what to do instead. Owns the wording and which refusals can be an honest race.

use super::task::TaskState;
use crate::ledger::LedgerError;
use crate::wire::EventId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("a {0} event is not about a task")]
    NotATaskEvent(&'static str),
    #[error("no task {0} exists")]
    UnknownTask(EventId),
    #[error("{0}")]
    Funds(LedgerError),
    #[error("only the executor of the parent task may post its subtasks")]
    NotParentExecutor,
    #[error("the parent task does not allow delegation")]
    ParentNotDelegable,
    #[error("subtasks may be posted only while the parent task is being worked on (it is {0})")]
    ParentNotInProgress(&'static str),
    #[error("a subtask at depth {depth} is deeper than the root task allows ({max})")]
    TooDeep { depth: u8, max: u8 },
    #[error("the requester cannot {0} its own task")]
    OwnTask(&'static str),
    #[error("only the requester may {0} this task")]
    NotRequester(&'static str),
    #[error("only the executor may {0} this task")]
    NotExecutor(&'static str),
    #[error("cannot {action} a task that is {state}")]
    WrongState { action: &'static str, state: &'static str },
    #[error("the deadline ({deadline_ms}) has passed")]
    PastDeadline { deadline_ms: u64 },
    #[error("the deadline ({deadline_ms}) has not passed yet; expire the task after it")]
    NotYetDue { deadline_ms: u64 },
    #[error("the bid price {price} is above the task's payment {payment}")]
    PriceAboveBudget { price: u64, payment: u64 },
    #[error("bid {0} is not a bid on this task")]
    UnknownBid(EventId),
    #[error("the task was awarded to another bidder")]
    AwardedToAnother,
    #[error("the task is already claimed by another worker")]
    AlreadyClaimed,
    #[error("you already hold the claim on this task")]
    AlreadyYours,
    #[error("the claimant does not meet the task's requirements: {0}")]
    Requirements(String),
    #[error("a stake of at least {min} is required (offered {offered})")]
    StakeTooLow { min: u64, offered: u64 },
    #[error("a result was already submitted for this task")]
    AlreadySubmitted,
    #[error("this task is verified {0}, not by its requester")]
    NotRequesterVerified(&'static str),
    #[error("submission {0} is not the task's current submission")]
    NotCurrentSubmission(EventId),
    #[error("the dispute window closed at {closed_ms}")]
    DisputeWindowClosed { closed_ms: u64 },
    #[error("the decision window closed at {closed_ms}: the submission was accepted by the requester's silence")]
    DecisionWindowClosed { closed_ms: u64 },
    #[error("the settlement window closed at {closed_ms}: the task settled without the executor's receipt")]
    SettleWindowClosed { closed_ms: u64 },
    #[error("the jury window closed at {closed_ms}: the case is void")]
    JuryWindowClosed { closed_ms: u64 },
    #[error("a verdict needs {needed} jurors but only {drawn} could be drawn: the case is void, nothing to vote on")]
    JuryTooSmall { drawn: usize, needed: usize },
    #[error("case {0} is not this task's jury case")]
    UnknownCase(EventId),
    #[error("the case is already decided")]
    CaseDecided,
    #[error("only the jurors drawn for this case may vote")]
    NotJuror,
    #[error("this juror has already voted on the case")]
    AlreadyVoted,
    #[error("acceptance {0} is not the event that accepted this task's result")]
    WrongAcceptance(EventId),
    #[error("the market's books disagree with the ledger: {0}")]
    Books(LedgerError),
}

impl Refusal {
    /// A refusal only because the task moved on (another claim, an award, a verdict, a cancel) can
    /// be an honest race between peers; see `Market::apply` for when it is not counted.
    pub fn may_be_a_race(&self) -> bool {
        matches!(
            self,
            Refusal::WrongState { .. } | Refusal::AwardedToAnother | Refusal::AlreadyClaimed | Refusal::CaseDecided
        )
    }

    pub(super) fn state(action: &'static str, state: TaskState) -> Self {
        Refusal::WrongState { action, state: state.as_str() }
    }
}
