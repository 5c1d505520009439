//! Jury cases: drawing the jurors when a case opens, taking their votes, and the verdict once a
//! strict majority of the drawn jury agrees. The jurors' karma moves at the verdict.

use std::collections::BTreeMap;

use super::refusal::Refusal;
use super::task::{Jury, Task, TaskState};
use super::{missing, payout, Halt, Swarm};
use crate::events::{JuryVote, SignedEvent};
use crate::identity::PeerId;
use crate::wire::EventId;

/// Opens case `case` at `at_ms`: the karma book draws the jurors, never the requester, the executor
/// or anyone up the delegation chain.
pub(super) fn open(task: &mut Task, swarm: &mut Swarm, case: EventId, at_ms: u64) {
    let mut exclude = vec![task.requester];
    exclude.extend(task.executor);
    exclude.extend(task.delegators.iter().copied());
    let jurors = swarm.karma.jurors(case, &exclude, usize::from(swarm.rules.jury_size), at_ms);
    task.jury = Some(Jury { case, opened_ms: at_ms, jurors, votes: BTreeMap::new(), verdict: None });
    task.enter(TaskState::Judging, at_ms);
}

/// A drawn juror's one vote on the open case.
pub(super) fn vote(task: &mut Task, swarm: &mut Swarm, event: &SignedEvent, vote: &JuryVote) -> Result<(), Halt> {
    let (author, at) = (event.author(), event.timestamp_ms());
    let Some(jury) = task.jury.as_mut().filter(|j| j.case == vote.case) else {
        return Err(missing(swarm, vote.case, Refusal::UnknownCase(vote.case)));
    };
    if !jury.jurors.contains(&author) {
        return Err(Refusal::NotJuror.into());
    }
    if jury.votes.contains_key(&author) {
        return Err(Refusal::AlreadyVoted.into());
    }
    if jury.verdict.is_some() {
        return Err(Refusal::CaseDecided.into());
    }
    jury.votes.insert(author, vote.for_executor);
    let for_executor = jury.votes.values().filter(|&&v| v).count();
    let against = jury.votes.len() - for_executor;
    let verdict = match jury.majority() {
        needed if for_executor >= needed => true,
        needed if against >= needed => false,
        _ => return Ok(()),
    };
    jury.verdict = Some(verdict);
    let majority: Vec<PeerId> = jury.votes.iter().filter(|(_, &v)| v == verdict).map(|(&juror, _)| juror).collect();
    for (&juror, &voted) in &jury.votes {
        swarm.karma.record_jury_vote(at, juror, voted == verdict);
    }
    payout::verdict(task, swarm, at, verdict, &majority)?;
    Ok(())
}
