//! Karma: per identity, `reliability.task_completion` and `accuracy[domain]`, each an exponential
//! moving average (α = 0.1) over decided tasks, in decision order. New identities start at zero.
//!
//! An accepted result moves both toward 1 for the claimant; a rejected one moves both toward 0.

use std::collections::BTreeMap;

use serde::Serialize;

use super::board::{TaskStatus, TaskView};
use crate::events::{Event, SignedEvent};
use crate::identity::PeerId;

pub const EMA_ALPHA: f64 = 0.1;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Karma {
    pub task_completion: f64,
    pub accuracy: BTreeMap<String, f64>,
    pub tasks_settled: u32,
}

fn is_task_flow(event: &Event) -> bool {
    matches!(event, Event::TaskPosted(_)) || event.task().is_some()
}

fn ema(current: f64, outcome: f64) -> f64 {
    current + EMA_ALPHA * (outcome - current)
}

pub(super) fn derive(ordered: &[&SignedEvent], board: &[TaskView]) -> BTreeMap<PeerId, Karma> {
    // Everyone who took part in the task flow; the swarm's founder alone does not.
    let mut karma: BTreeMap<PeerId, Karma> =
        ordered.iter().filter(|e| is_task_flow(&e.event)).map(|e| (e.author(), Karma::default())).collect();
    let mut decided: Vec<&TaskView> = board.iter().filter(|t| t.decision.is_some()).collect();
    decided.sort_by_key(|t| (t.decided_ms, t.decision));
    for task in decided {
        let Some(worker) = task.claimant else { continue };
        let outcome = if task.status == TaskStatus::Accepted { 1.0 } else { 0.0 };
        let entry = karma.entry(worker).or_default();
        entry.task_completion = ema(entry.task_completion, outcome);
        let accuracy = entry.accuracy.entry(task.domain.clone()).or_insert(0.0);
        *accuracy = ema(*accuracy, outcome);
        entry.tasks_settled += 1;
    }
    karma
}
