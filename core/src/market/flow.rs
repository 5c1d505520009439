//! Getting a task worked on: posting (and delegating) it, bids and awards, the staked claim, and
//! the ways a task ends without a result: cancel by its requester and expiry after its deadline.

use std::collections::BTreeMap;

use super::payout;
use super::refusal::Refusal;
use super::task::{BidView, Task, TaskState};
use super::{missing, Halt, Swarm};
use crate::events::{Award, Bid, SignedEvent, TaskClaimed, TaskPosted};
use crate::wire::EventId;

/// A new task: its payment moves into escrow. A subtask is posted by the parent's executor while
/// it works on the parent, if the parent allows delegation and the root's depth limit holds.
pub(super) fn post(
    tasks: &mut BTreeMap<EventId, Task>,
    swarm: &mut Swarm,
    event: &SignedEvent,
    terms: &TaskPosted,
) -> Result<(), Halt> {
    let (author, at) = (event.author(), event.timestamp_ms());
    let mut task = Task::new(event.id, author, at, terms.clone());
    if let Some(parent_id) = terms.parent {
        let Some(parent) = tasks.get(&parent_id) else {
            return Err(missing(swarm, parent_id, Refusal::UnknownTask(parent_id)));
        };
        if parent.executor != Some(author) {
            return Err(Refusal::NotParentExecutor.into());
        }
        if !parent.terms.delegation.allowed {
            return Err(Refusal::ParentNotDelegable.into());
        }
        if parent.state != TaskState::Claimed {
            return Err(Refusal::ParentNotInProgress(parent.state.as_str()).into());
        }
        let depth = parent.depth.saturating_add(1);
        if depth > parent.max_depth {
            return Err(Refusal::TooDeep { depth, max: parent.max_depth }.into());
        }
        task.depth = depth;
        task.max_depth = parent.max_depth;
        task.delegators = std::iter::once(author).chain(parent.delegators.iter().copied()).collect();
    }
    swarm.ledger.lock_escrow(at, event.id, author, terms.payment).map_err(Refusal::Funds)?;
    task.timeline.push(event.id);
    tasks.insert(event.id, task);
    Ok(())
}

pub(super) fn bid(task: &mut Task, event: &SignedEvent, bid: &Bid) -> Result<(), Halt> {
    let (author, at) = (event.author(), event.timestamp_ms());
    if author == task.requester {
        return Err(Refusal::OwnTask("bid on").into());
    }
    if task.state != TaskState::Open {
        return Err(Refusal::state("bid on", task.state).into());
    }
    if at > task.terms.deadline_ms {
        return Err(Refusal::PastDeadline { deadline_ms: task.terms.deadline_ms }.into());
    }
    if bid.price > task.price {
        return Err(Refusal::PriceAboveBudget { price: bid.price, payment: task.price }.into());
    }
    task.bids.push(BidView {
        id: event.id,
        bidder: author,
        price: bid.price,
        eta_ms: bid.eta_ms,
        fitness_ppm: bid.fitness_ppm,
        at_ms: at,
    });
    Ok(())
}

/// The requester picks a bid: only its bidder may claim, and the escrow above its price goes back.
pub(super) fn award(task: &mut Task, swarm: &mut Swarm, event: &SignedEvent, award: &Award) -> Result<(), Halt> {
    let at = event.timestamp_ms();
    if event.author() != task.requester {
        return Err(Refusal::NotRequester("award").into());
    }
    let chosen = task.bids.iter().find(|b| b.id == award.bid).map(|b| (b.id, b.bidder, b.price));
    let Some((bid, bidder, price)) = chosen else {
        return Err(missing(swarm, award.bid, Refusal::UnknownBid(award.bid)));
    };
    if task.state != TaskState::Open {
        return Err(Refusal::state("award", task.state).into());
    }
    if at > task.terms.deadline_ms {
        return Err(Refusal::PastDeadline { deadline_ms: task.terms.deadline_ms }.into());
    }
    swarm.ledger.refund_excess(at, task.id, price)?;
    task.price = price;
    task.award = Some((bid, bidder));
    task.enter(TaskState::Awarded, at);
    Ok(())
}

/// A claim: the claimant meets the requirements at the claim's time and locks a stake of at least
/// the genesis's share of the price. The first valid claim in fold order wins.
pub(super) fn claim(task: &mut Task, swarm: &mut Swarm, event: &SignedEvent, claim: &TaskClaimed) -> Result<(), Halt> {
    let (author, at) = (event.author(), event.timestamp_ms());
    if author == task.requester {
        return Err(Refusal::OwnTask("claim").into());
    }
    if task.executor == Some(author) {
        return Err(Refusal::AlreadyYours.into());
    }
    match (task.state, task.award) {
        (TaskState::Open, _) => {}
        (TaskState::Awarded, Some((_, bidder))) if bidder == author => {}
        (TaskState::Awarded, _) => return Err(Refusal::AwardedToAnother.into()),
        (state, _) if state.holds_stake() || task.executor.is_some() => return Err(Refusal::AlreadyClaimed.into()),
        (state, _) => return Err(Refusal::state("claim", state).into()),
    }
    if at > task.terms.deadline_ms {
        return Err(Refusal::PastDeadline { deadline_ms: task.terms.deadline_ms }.into());
    }
    swarm.karma.meets(&author, &task.terms.requirements, at).map_err(Refusal::Requirements)?;
    let min = task.min_stake(swarm.rules);
    if claim.stake < min {
        return Err(Refusal::StakeTooLow { min, offered: claim.stake }.into());
    }
    swarm.ledger.lock_stake(at, task.id, author, claim.stake).map_err(Refusal::Funds)?;
    task.executor = Some(author);
    task.claim = Some(event.id);
    task.claimed_ms = Some(at);
    task.stake = claim.stake;
    task.enter(TaskState::Claimed, at);
    Ok(())
}

/// The requester withdraws an unclaimed task; the escrow goes back.
pub(super) fn cancel(task: &mut Task, swarm: &mut Swarm, event: &SignedEvent) -> Result<(), Halt> {
    let at = event.timestamp_ms();
    if event.author() != task.requester {
        return Err(Refusal::NotRequester("cancel").into());
    }
    if !matches!(task.state, TaskState::Open | TaskState::Awarded) {
        return Err(Refusal::state("cancel", task.state).into());
    }
    swarm.ledger.refund(at, task.id)?;
    task.enter(TaskState::Cancelled, at);
    Ok(())
}

/// Anyone may expire a task with no result after its deadline.
pub(super) fn expire(task: &mut Task, swarm: &mut Swarm, event: &SignedEvent) -> Result<(), Halt> {
    let at = event.timestamp_ms();
    if at <= task.terms.deadline_ms {
        return Err(Refusal::NotYetDue { deadline_ms: task.terms.deadline_ms }.into());
    }
    if !matches!(task.state, TaskState::Open | TaskState::Awarded | TaskState::Claimed) {
        return Err(Refusal::state("expire", task.state).into());
    }
    payout::expire(task, swarm, at)?;
    Ok(())
}
