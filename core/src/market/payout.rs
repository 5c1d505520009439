//! Where the money goes when a task ends, and the karma outcome that goes with it: the co-signed
//! (or timed-out) settlement, a jury's verdict either way, a void case, a rejection that stood, and
//! expiry.

use super::refusal::Refusal;
use super::task::{Task, TaskState};
use super::{missing, Halt, Swarm};
use crate::events::{Settle, SignedEvent};
use crate::identity::PeerId;
use crate::karma::Outcome;
use crate::ledger::{split, EntryKind, LedgerError, Payout};

/// The executor's receipt co-signs the acceptance, within the decision window after it (then it
/// settles by itself, see `timeout`): see `pay`.
pub(super) fn settle(task: &mut Task, swarm: &mut Swarm, event: &SignedEvent, settle: &Settle) -> Result<(), Halt> {
    let at = event.timestamp_ms();
    let Some(executor) = task.executor.filter(|&e| e == event.author()) else {
        return Err(Refusal::NotExecutor("settle").into());
    };
    if task.acceptance != Some(settle.acceptance) {
        return Err(missing(swarm, settle.acceptance, Refusal::WrongAcceptance(settle.acceptance)));
    }
    if let Some(accepted_ms) = task.accepted_ms {
        let closed_ms = accepted_ms.saturating_add(swarm.rules.decision_window_ms);
        if at > closed_ms {
            return Err(Refusal::SettleWindowClosed { closed_ms }.into());
        }
    }
    if task.state != TaskState::Accepted {
        return Err(Refusal::state("settle", task.state).into());
    }
    pay(task, swarm, at, executor, settle.routing.unwrap_or(executor))?;
    Ok(())
}

/// An accepted result is paid: the escrow is split executor / routing / protocol per the genesis
/// (routing to `routing`, protocol to the treasury), the stake goes back, and the executor's karma
/// records a success.
pub(super) fn pay(
    task: &mut Task,
    swarm: &mut Swarm,
    at: u64,
    executor: PeerId,
    routing: PeerId,
) -> Result<(), LedgerError> {
    let split = &swarm.rules.fee_split;
    let payees = [
        (executor, split.executor_bps, EntryKind::Payout),
        (routing, split.routing_bps, EntryKind::RoutingFee),
        (swarm.rules.treasury, split.protocol_bps, EntryKind::ProtocolFee),
    ];
    let paid = swarm.ledger.release(at, task.id, &payees)?;
    swarm.ledger.return_stake(at, task.id)?;
    for payout in paid.iter().filter(|p| p.kind != EntryKind::ProtocolFee) {
        swarm.karma.record_earnings(payout.to, payout.amount);
    }
    outcome(task, swarm, at, true);
    task.enter(TaskState::Settled, at);
    Ok(())
}

/// A jury's verdict. For the executor: it is paid at once (executor and routing shares, no receipt
/// needed) and its stake goes back. For the requester: the requester gets the executor and routing
/// shares back and the stake goes to the treasury. Either way the protocol share is the majority
/// jurors' fee, split evenly, the remainder to the treasury.
pub(super) fn verdict(
    task: &mut Task,
    swarm: &mut Swarm,
    at: u64,
    for_executor: bool,
    majority: &[PeerId],
) -> Result<(), LedgerError> {
    let split = &swarm.rules.fee_split;
    let bps = [split.executor_bps, split.routing_bps, split.protocol_bps];
    let Some(&[work, routing, protocol]) = split::by_bps(task.price, &bps).as_deref() else {
        return Err(LedgerError::BadSplit);
    };
    let (fee, remainder) = split::evenly(protocol, majority.len());
    let mut payouts = match (for_executor, task.executor) {
        (true, Some(executor)) => vec![
            Payout { to: executor, amount: work, kind: EntryKind::Payout },
            Payout { to: executor, amount: routing, kind: EntryKind::RoutingFee },
        ],
        _ => vec![Payout { to: task.requester, amount: work + routing, kind: EntryKind::Refund }],
    };
    payouts.extend(majority.iter().map(|&juror| Payout { to: juror, amount: fee, kind: EntryKind::JuryFee }));
    payouts.push(Payout { to: swarm.rules.treasury, amount: remainder, kind: EntryKind::ProtocolFee });
    swarm.ledger.release_exact(at, task.id, &payouts)?;
    if for_executor {
        swarm.ledger.return_stake(at, task.id)?;
    } else {
        swarm.ledger.forfeit_stake(at, task.id, swarm.rules.treasury)?;
    }
    for payout in payouts.iter().filter(|p| p.kind != EntryKind::ProtocolFee && p.kind != EntryKind::Refund) {
        swarm.karma.record_earnings(payout.to, payout.amount);
    }
    outcome(task, swarm, at, for_executor);
    task.enter(if for_executor { TaskState::Settled } else { TaskState::Failed }, at);
    Ok(())
}

/// The jury case is void (too few jurors, or no majority in time): the escrow goes back to the
/// requester and the stake to the executor; nobody's karma moves, and votes cast count for nothing.
pub(super) fn void(task: &mut Task, swarm: &mut Swarm, at: u64) -> Result<(), LedgerError> {
    swarm.ledger.refund(at, task.id)?;
    swarm.ledger.return_stake(at, task.id)?;
    task.enter(TaskState::Void, at);
    Ok(())
}

/// A rejection stands (undisputed after its window, or automatic verification refused the result):
/// the escrow goes back to the requester, the stake to the treasury, and the executor's karma
/// records a failure.
pub(super) fn fail(task: &mut Task, swarm: &mut Swarm, at: u64) -> Result<(), LedgerError> {
    swarm.ledger.refund(at, task.id)?;
    swarm.ledger.forfeit_stake(at, task.id, swarm.rules.treasury)?;
    outcome(task, swarm, at, false);
    task.enter(TaskState::Failed, at);
    Ok(())
}

/// The deadline passed with no result: the escrow goes back; a claimant that never delivered loses
/// its stake to the treasury and records a failure.
pub(super) fn expire(task: &mut Task, swarm: &mut Swarm, at: u64) -> Result<(), LedgerError> {
    swarm.ledger.refund(at, task.id)?;
    if task.state == TaskState::Claimed {
        swarm.ledger.forfeit_stake(at, task.id, swarm.rules.treasury)?;
        outcome(task, swarm, at, false);
    }
    task.enter(TaskState::Expired, at);
    Ok(())
}

/// The executor's karma for this task (its delegators move with it, attenuated).
fn outcome(task: &Task, swarm: &mut Swarm, at: u64, success: bool) {
    let Some(worker) = task.executor else { return };
    swarm.karma.record_outcome(
        at,
        &Outcome {
            worker,
            domain: task.terms.domain.clone(),
            skills: task.terms.requirements.skills.clone(),
            success,
            response_ms: task.response_ms(),
            delegators: task.delegators.clone(),
        },
    );
}
