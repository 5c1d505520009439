//! Jury cases: drawing the jurors when a case opens, taking their votes, and the verdict once a
//! strict majority of the genesis's jury size agrees. The jurors' karma moves at the verdict. A
//! case that draws fewer jurors than a verdict needs is void at once; one without a majority when
//! the jury window closes is void then (`timeout`).

use std::collections::BTreeMap;

use super::refusal::Refusal;
use super::task::{Jury, Task, TaskState};
use super::{missing, payout, Halt, Swarm};
use crate::events::{JuryVote, SignedEvent};
use crate::identity::PeerId;
use crate::ledger::LedgerError;
use crate::wire::EventId;

/// Opens case `case` at `at_ms`: the karma book draws the jurors, never the requester, the executor
/// or anyone up the delegation chain. Too few eligible jurors for a majority: the case is void.
pub(super) fn open(task: &mut Task, swarm: &mut Swarm, case: EventId, at_ms: u64) -> Result<(), LedgerError> {
    let mut exclude = vec![task.requester];
    exclude.extend(task.executor);
    exclude.extend(task.delegators.iter().copied());
    let size = usize::from(swarm.rules.jury_size);
    let jurors = swarm.karma.jurors(case, &exclude, size, at_ms);
    let jury = Jury { case, opened_ms: at_ms, jurors, needed: size / 2 + 1, votes: BTreeMap::new(), verdict: None };
    let can_decide = jury.can_decide();
    task.jury = Some(jury);
    task.enter(TaskState::Judging, at_ms);
    if !can_decide {
        payout::void(task, swarm, at_ms)?;
    }
    Ok(())
}

/// A drawn juror's one vote on the open case, up to the end of the jury window.
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
    if !jury.can_decide() {
        return Err(Refusal::JuryTooSmall { drawn: jury.jurors.len(), needed: jury.needed }.into());
    }
    let closed_ms = jury.opened_ms.saturating_add(swarm.rules.jury_window_ms);
    if at > closed_ms {
        return Err(Refusal::JuryWindowClosed { closed_ms }.into());
    }
    if task.state != TaskState::Judging {
        return Err(Refusal::state("vote on", task.state).into());
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
