//! Judging a result: the executor's submission, the requester's acceptance or rejection (for
//! requester-verified tasks) within the decision window, automatic verification by hash, and the
//! executor's dispute of a rejection within the dispute window. What silence does once a window
//! closes is in `timeout`.

use super::refusal::Refusal;
use super::task::{Rejection, Submission, Task, TaskState};
use super::{jury, missing, payout, Halt, Swarm};
use crate::events::{Decision, Dispute, ResultRejected, ResultSubmitted, SignedEvent, Verification};

/// Reason shown when automatic verification refuses a result.
const HASH_MISMATCH: &str = "the result's hash differs from the expected hash";

fn verified_by(verification: &Verification) -> &'static str {
    match verification {
        Verification::Requester => "by its requester",
        Verification::Automatic { .. } => "automatically",
        Verification::Jury => "by a jury",
    }
}

/// The executor's result, before the deadline, once. Automatic verification decides at once; a
/// jury-verified task opens its case at once (the case id is the submission id).
pub(super) fn submit(
    task: &mut Task,
    swarm: &mut Swarm,
    event: &SignedEvent,
    submitted: &ResultSubmitted,
) -> Result<(), Halt> {
    let at = event.timestamp_ms();
    if task.executor != Some(event.author()) {
        return Err(Refusal::NotExecutor("submit a result for").into());
    }
    if task.submission.is_some() {
        return Err(Refusal::AlreadySubmitted.into());
    }
    if task.state != TaskState::Claimed {
        return Err(Refusal::state("submit a result for", task.state).into());
    }
    if at > task.terms.deadline_ms {
        return Err(Refusal::PastDeadline { deadline_ms: task.terms.deadline_ms }.into());
    }
    task.submission = Some(Submission {
        id: event.id,
        result: submitted.result.clone(),
        result_hash: submitted.result_hash,
        at_ms: at,
    });
    match &task.terms.verification {
        Verification::Requester => task.enter(TaskState::Submitted, at),
        Verification::Automatic { expected_hash } if *expected_hash == submitted.result_hash => {
            task.accept(event.id, at)
        }
        Verification::Automatic { .. } => {
            task.rejection = Some(Rejection { id: event.id, reason: HASH_MISMATCH.into(), at_ms: at });
            payout::fail(task, swarm, at)?;
        }
        Verification::Jury => jury::open(task, swarm, event.id, at)?,
    }
    Ok(())
}

/// Checks that the requester decides on the current submission of a requester-verified task, within
/// the decision window (after it the submission was accepted by silence, see `timeout`).
fn decidable(
    task: &Task,
    swarm: &Swarm,
    event: &SignedEvent,
    submission: crate::wire::EventId,
    action: &'static str,
) -> Result<(), Halt> {
    if event.author() != task.requester {
        return Err(Refusal::NotRequester(action).into());
    }
    if task.terms.verification != Verification::Requester {
        return Err(Refusal::NotRequesterVerified(verified_by(&task.terms.verification)).into());
    }
    let Some(submitted_ms) = task.submission.as_ref().filter(|s| s.id == submission).map(|s| s.at_ms) else {
        return Err(missing(swarm, submission, Refusal::NotCurrentSubmission(submission)));
    };
    let closed_ms = submitted_ms.saturating_add(swarm.rules.decision_window_ms);
    if event.timestamp_ms() > closed_ms {
        return Err(Refusal::DecisionWindowClosed { closed_ms }.into());
    }
    if task.state != TaskState::Submitted {
        return Err(Refusal::state(action, task.state).into());
    }
    Ok(())
}

pub(super) fn accept(task: &mut Task, swarm: &mut Swarm, event: &SignedEvent, decision: &Decision) -> Result<(), Halt> {
    decidable(task, swarm, event, decision.submission, "accept a result of")?;
    task.accept(event.id, event.timestamp_ms());
    Ok(())
}

/// A rejection stands unless the executor disputes it within the dispute window (see
/// `Market::lapse`).
pub(super) fn reject(
    task: &mut Task,
    swarm: &mut Swarm,
    event: &SignedEvent,
    rejected: &ResultRejected,
) -> Result<(), Halt> {
    decidable(task, swarm, event, rejected.submission, "reject a result of")?;
    let at = event.timestamp_ms();
    task.rejection = Some(Rejection { id: event.id, reason: rejected.reason.clone(), at_ms: at });
    task.enter(TaskState::Rejected, at);
    Ok(())
}

/// The executor contests a rejection before its window closes; a jury is drawn at once (the case
/// id is the dispute id), and the case is void at once if too few jurors can be drawn.
pub(super) fn dispute(task: &mut Task, swarm: &mut Swarm, event: &SignedEvent, dispute: &Dispute) -> Result<(), Halt> {
    let at = event.timestamp_ms();
    if task.executor != Some(event.author()) {
        return Err(Refusal::NotExecutor("dispute").into());
    }
    if task.submission.as_ref().map(|s| s.id) != Some(dispute.submission) {
        return Err(missing(swarm, dispute.submission, Refusal::NotCurrentSubmission(dispute.submission)));
    }
    if let Some(rejection) = &task.rejection {
        let closed_ms = rejection.at_ms.saturating_add(swarm.rules.dispute_window_ms);
        if at > closed_ms {
            return Err(Refusal::DisputeWindowClosed { closed_ms }.into());
        }
    }
    if task.state != TaskState::Rejected {
        return Err(Refusal::state("dispute", task.state).into());
    }
    jury::open(task, swarm, event.id, at)?;
    Ok(())
}
