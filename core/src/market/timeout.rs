//! What silence does: a task that waits for someone past its window (`Task::due_ms`) moves on by
//! itself, as of the instant the window closed.
//!
//! - Submitted, the requester silent for the decision window: the submission counts as accepted
//!   (the executor's `Settle` then names the submission, as under automatic verification).
//! - Accepted, the executor silent for the decision window: it settles anyway, as a `Settle` naming
//!   no routing peer would (the executor's signature was only missing to its own detriment).
//! - Rejected, undisputed for the dispute window: the rejection stands.
//! - Judging without a majority for the jury window: the case is void.
//!
//! Events after the window are refused (counted) by the rule they break; the market's timeouts
//! queue (`Market::lapse`) applies these in order of their instants.

use super::payout;
use super::task::{Task, TaskState};
use super::Swarm;
use crate::ledger::LedgerError;

/// Applies the timeout of `task`'s current wait, which closed at `due_ms`.
pub(super) fn lapse(task: &mut Task, swarm: &mut Swarm, due_ms: u64) -> Result<(), LedgerError> {
    match task.state {
        TaskState::Submitted => {
            // `due_ms` times out a submitted task only once it has its submission.
            if let Some(submission) = task.submission.as_ref().map(|s| s.id) {
                task.accept(submission, due_ms);
            }
            Ok(())
        }
        TaskState::Accepted => {
            // A claim set the executor, with its stake; without one there is no stake to give back.
            let executor = task.executor.ok_or(LedgerError::NoStake(task.id))?;
            payout::pay(task, swarm, due_ms, executor, executor)
        }
        TaskState::Rejected => payout::fail(task, swarm, due_ms),
        TaskState::Judging => payout::void(task, swarm, due_ms),
        _ => Ok(()),
    }
}
