//! The plans a benchmark task follows through the market, and one task's progress along its plan.

use amorph_core::wire::EventId;

/// What happens to a task once posted (see `history`).
#[derive(Clone, Copy, PartialEq)]
pub enum Plan {
    Plain,
    Bidding,
    Disputed,
    Lapsing,
    Cancelled,
    Expiring,
    JuryVerified,
    Automatic,
}

/// Where a task stands: the next event its plan needs follows from this.
#[derive(Clone, Copy, PartialEq)]
pub enum Stage {
    Open,
    Claimed,
    Submitted,
    Rejected,
    Judging,
    Accepted,
}

/// One task on its way through the market.
pub struct Flight {
    pub task: EventId,
    pub plan: Plan,
    pub stage: Stage,
    pub requester: usize,
    pub worker: usize,
    pub payment: u64,
    pub deadline_ms: u64,
    pub bids: Vec<(EventId, usize)>,
    pub awarded: bool,
    /// The submission, then the acceptance or the jury case, as the stage needs.
    pub last: EventId,
    pub jurors: Vec<usize>,
}
