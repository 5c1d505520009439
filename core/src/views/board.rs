//! The task board: each task's state after applying the task-flow rules to the event set.
//!
//! Rules (every peer applies them identically; events are visited in (timestamp, id) order):
//! - a claim is valid if its author is not the requester; the earliest valid claim wins, later
//!   ones lose quietly (a concurrent claim is not misbehaviour);
//! - a submission counts only from the winning claimant; the earliest one is the task's result;
//! - only the requester decides, naming the result it judges; the first such decision is final.
//!
//! Events about tasks not (yet) in the set wait silently; all other breaches count in `ignored`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::events::{Event, SignedEvent};
use crate::identity::PeerId;
use crate::wire::EventId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TaskStatus {
    Open,
    Claimed,
    Submitted,
    Accepted,
    Rejected,
}

impl TaskStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Claimed => "claimed",
            TaskStatus::Submitted => "submitted",
            TaskStatus::Accepted => "accepted",
            TaskStatus::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskView {
    pub id: EventId,
    pub title: String,
    pub description: String,
    pub domain: String,
    pub payment: u64,
    pub requester: PeerId,
    pub posted_ms: u64,
    pub status: TaskStatus,
    pub claimant: Option<PeerId>,
    /// The submission event that holds the result (decisions name it).
    pub submission: Option<EventId>,
    pub result: Option<String>,
    pub reason: Option<String>,
    /// When the decision was made, for ordering karma updates.
    pub decided_ms: Option<u64>,
    pub decision: Option<EventId>,
}

pub(super) fn derive(ordered: &[&SignedEvent], ignored: &mut BTreeMap<PeerId, u32>) -> Vec<TaskView> {
    let mut tasks: BTreeMap<EventId, TaskView> = BTreeMap::new();
    for event in ordered {
        if let Event::TaskPosted(post) = &event.event {
            tasks.insert(
                event.id,
                TaskView {
                    id: event.id,
                    title: post.title.clone(),
                    description: post.description.clone(),
                    domain: post.domain.clone(),
                    payment: post.payment,
                    requester: event.author(),
                    posted_ms: event.timestamp_ms(),
                    status: TaskStatus::Open,
                    claimant: None,
                    submission: None,
                    result: None,
                    reason: None,
                    decided_ms: None,
                    decision: None,
                },
            );
        }
    }
    for event in ordered {
        let Some(task) = event.event.task().and_then(|id| tasks.get_mut(&id)) else { continue };
        if !apply(task, event) {
            *ignored.entry(event.author()).or_default() += 1;
        }
    }
    let mut board: Vec<TaskView> = tasks.into_values().collect();
    board.sort_by_key(|t| std::cmp::Reverse((t.posted_ms, t.id)));
    board
}

/// Applies one event to its task; false when the event breaks a rule.
fn apply(task: &mut TaskView, event: &SignedEvent) -> bool {
    let author = event.author();
    match &event.event {
        Event::TaskPosted(_) => true,
        Event::TaskClaimed(_) => {
            if author == task.requester {
                return false;
            }
            if task.claimant.is_none() {
                task.claimant = Some(author);
                task.status = TaskStatus::Claimed;
            }
            true
        }
        Event::ResultSubmitted(submitted) => {
            if task.claimant != Some(author) {
                return false;
            }
            if task.submission.is_none() {
                task.submission = Some(event.id);
                task.result = Some(submitted.result.clone());
                task.status = TaskStatus::Submitted;
            }
            true
        }
        Event::ResultAccepted(decision) => decide(task, event, decision.submission, TaskStatus::Accepted, None),
        Event::ResultRejected(rejected) => {
            decide(task, event, rejected.submission, TaskStatus::Rejected, Some(rejected.reason.clone()))
        }
        // The spine's board knows only the five task-flow kinds; the market state machine takes over the rest.
        _ => true,
    }
}

fn decide(
    task: &mut TaskView,
    event: &SignedEvent,
    submission: EventId,
    verdict: TaskStatus,
    reason: Option<String>,
) -> bool {
    if event.author() != task.requester || task.submission != Some(submission) || task.decision.is_some() {
        return false;
    }
    task.status = verdict;
    task.reason = reason;
    task.decided_ms = Some(event.timestamp_ms());
    task.decision = Some(event.id);
    true
}
