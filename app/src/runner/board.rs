//! Board steps: a real task on the swarm's board for human workers (the step's text, its payment
//! in escrow, the requester's verification), followed as the market moves it, withdrawn when the
//! run gives the step up while nobody has claimed it.

use std::cell::RefCell;
use std::rc::Rc;

use amorph_core::events::{Event, TaskPosted, TaskRef, MAX_DESCRIPTION_CHARS};
use amorph_core::market::{Task, TaskState};
use amorph_core::run::{BoardProgress, StepId};
use amorph_core::wire::EventId;
use leptos::prelude::*;

use super::call;
use super::driver::Driver;
use crate::swarm::now_ms;

/// How long a posted step waits for a person.
const BOARD_DEADLINE_MS: u64 = 24 * 60 * 60 * 1000;
const MAX_TITLE_CHARS: usize = 80;
/// Ends a description cut to the board's limit.
const CUT_NOTE: &str = "\n[… cut to the board's 2,000 characters]";

/// A task posted for a step, and the progress last reported to the engine.
pub struct Followed {
    pub task: EventId,
    pub attempt: u32,
    last: Option<BoardProgress>,
}

/// Posts the step as a task. Called inside the engine's turn, so it reports to the engine directly.
pub(super) fn post(this: &Rc<RefCell<Driver>>, step: StepId, attempt: u32, credits: u64, context: &[(StepId, String)]) {
    let mut d = this.borrow_mut();
    let (Some(planned), Some(mut description)) = (d.plan.get(step.index()), call::with_inputs(&d, step, context)) else {
        return;
    };
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        description = description.chars().take(MAX_DESCRIPTION_CHARS - CUT_NOTE.chars().count()).collect();
        description.push_str(CUT_NOTE);
    }
    let title: String = planned.subtask.text.chars().take(MAX_TITLE_CHARS).collect();
    let domain = planned.subtask.kind.kind.name();
    let now = now_ms();
    let task = TaskPosted::simple(&title, &description, domain, credits, now + BOARD_DEADLINE_MS);
    match d.actions.publish(Event::TaskPosted(task)) {
        Ok(task) => {
            d.board.insert(step, Followed { task, attempt, last: None });
            d.run.handle_board(step, attempt, BoardProgress::Posted { task }, now);
        }
        Err(why) => d.run.handle_failed(
            step,
            attempt,
            amorph_core::run::Failure::permanent(format!("the task could not be posted: {why}")),
            now,
        ),
    }
}

/// The run gave the step up: a task nobody has claimed yet is cancelled (its escrow comes back).
pub(super) fn withdraw(this: &Rc<RefCell<Driver>>, step: StepId) {
    let d = this.borrow();
    let Some(followed) = d.board.get(&step) else { return };
    let open = d.ui.economy.with_untracked(|shown| {
        shown.as_ref().and_then(|s| s.views.board.iter().find(|t| t.id == followed.task).map(|t| t.state))
    });
    if matches!(open, Some(TaskState::Open | TaskState::Awarded)) {
        // A refusal (say, the task moved meanwhile) leaves the task to the market's own rules.
        let _ = d.actions.publish(Event::Cancel(TaskRef { task: followed.task }));
    }
}

/// Reports what the board shows of every followed task, once per change.
pub(super) fn follow(this: &Rc<RefCell<Driver>>) {
    let changes: Vec<(StepId, u32, BoardProgress)> = {
        let mut d = this.borrow_mut();
        let tasks: Vec<(StepId, Option<BoardProgress>)> = {
            let shown = d.ui.economy.get_untracked();
            d.board
                .iter()
                .map(|(step, followed)| {
                    let task = shown.as_ref().and_then(|s| s.views.board.iter().find(|t| t.id == followed.task));
                    (*step, task.and_then(progress))
                })
                .collect()
        };
        tasks
            .into_iter()
            .filter_map(|(step, now)| {
                let followed = d.board.get_mut(&step)?;
                let now = now?;
                (followed.last.as_ref() != Some(&now)).then(|| {
                    followed.last = Some(now.clone());
                    (step, followed.attempt, now)
                })
            })
            .collect()
    };
    for (step, attempt, progress) in changes {
        Driver::report(this, |run, now| run.handle_board(step, attempt, progress, now));
    }
}

/// What a task's state means for the step waiting on it.
fn progress(task: &Task) -> Option<BoardProgress> {
    let result = || task.submission.as_ref().map(|s| s.result.clone()).unwrap_or_default();
    match task.state {
        TaskState::Open | TaskState::Awarded => None,
        TaskState::Claimed => Some(BoardProgress::Claimed),
        TaskState::Submitted | TaskState::Judging => Some(BoardProgress::Submitted { text: result() }),
        TaskState::Accepted | TaskState::Settled => Some(BoardProgress::Accepted { text: result() }),
        TaskState::Rejected | TaskState::Failed => Some(BoardProgress::Rejected {
            reason: task.rejection.as_ref().map(|r| r.reason.clone()).unwrap_or_else(|| "rejected".into()),
        }),
        TaskState::Cancelled | TaskState::Expired | TaskState::Void => Some(BoardProgress::Expired),
    }
}
