//! Where each step of a run stands, and what the board reports about a posted task: the
//! vocabulary the app shows per step and stores with a finished run.

use serde::{Deserialize, Serialize};

use super::StepId;
use crate::wire::EventId;

/// One step's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StepStatus {
    /// Not asked to run yet.
    Waiting,
    /// Asked to run; starts once its inputs are done, a slot is free and the budget allows.
    Queued,
    /// Its executor cannot run here, and it says why.
    Unavailable {
        reason: String,
    },
    /// A call is in flight; `text` is what has streamed so far.
    Running {
        attempt: u32,
        started_ms: u64,
        text: String,
    },
    /// `attempt` failed for `reason`; the next one starts at `at_ms`.
    RetryAt {
        at_ms: u64,
        attempt: u32,
        reason: String,
    },
    /// Posted (or being posted) as a task on the board.
    OnBoard {
        attempt: u32,
        stage: BoardStage,
    },
    Done {
        output: String,
        cost_micros: u64,
        elapsed_ms: u64,
        attempts: u32,
    },
    Failed {
        reason: String,
    },
    /// One of its inputs will not come: `on` failed, was skipped or cancelled, or cannot run.
    Blocked {
        on: StepId,
        reason: String,
    },
    Skipped,
    Cancelled,
}

impl StepStatus {
    /// Still doing or about to do something without the user acting.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            StepStatus::Queued | StepStatus::Running { .. } | StepStatus::RetryAt { .. } | StepStatus::OnBoard { .. }
        )
    }

    /// The user may press Retry.
    pub fn can_retry(&self) -> bool {
        matches!(
            self,
            StepStatus::Failed { .. } | StepStatus::Cancelled | StepStatus::Blocked { .. } | StepStatus::Skipped
        )
    }
}

/// How far a board task has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum BoardStage {
    /// The adapter was asked to post it.
    Posting,
    Posted {
        task: EventId,
    },
    Claimed,
    /// A worker submitted this; it waits for the requester's verdict.
    Submitted {
        text: String,
    },
    /// The last submission was rejected; the task stays open for another.
    Rejected {
        reason: String,
    },
}

/// What the adapter saw happen to a posted task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BoardProgress {
    Posted {
        task: EventId,
    },
    Claimed,
    Submitted {
        text: String,
    },
    /// The requester accepted a submission: its text is the step's output.
    Accepted {
        text: String,
    },
    Rejected {
        reason: String,
    },
    /// The deadline passed with no accepted result.
    Expired,
}
