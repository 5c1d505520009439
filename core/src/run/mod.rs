//! The run engine: executes a routed plan step by step, sans-IO.
//!
//! It owns each step's state, the money spent against the run's budget, retries and their
//! timers, stalls, and cancellation. It never calls a model, posts a task or reads a clock: the
//! app's adapter does, and reports back. The shape is str0m's `Rtc`:
//!
//! 1. Build a [`Run`] from the plan's steps, its budget, [`RunConfig`] and a random seed (jitter).
//! 2. Feed it the user's buttons ([`Run::start`], [`Run::start_step`], [`Run::skip`],
//!    [`Run::retry`], [`Run::cancel`]) and the adapter's reports ([`Run::handle_text`],
//!    [`Run::handle_spent`], [`Run::handle_done`], [`Run::handle_failed`], [`Run::handle_board`]),
//!    each with the current time.
//! 3. After every input, drain [`Run::poll_action`] and do what it says ([`Action`]).
//! 4. Call [`Run::handle_timeout`] when [`Run::poll_timeout`] comes due (then drain again).
//!
//! Reports carry the attempt number from the [`Call`] they answer, so a late report of an aborted
//! or superseded attempt changes nothing. Spending (`handle_spent`) is the attempt's cumulative
//! cost so far; it still counts after the attempt ended, until the step's next attempt starts,
//! because that money was spent. The adapter signs a `Delegated` event for each call it sends
//! ([`Call::delegated`]).
//!
//! The whole run is serde-serializable except its queue of undrained actions: store it when it
//! [`is_finished`](Run::is_finished), or store it any time and call [`Run::interrupt`] after
//! loading, which marks the calls that were in flight as interrupted.

mod action;
mod answer;
mod backoff;
mod spec;
mod status;

pub use action::{Action, Call, Failure, FailureKind, Sent};
pub use answer::{Answer, AnswerPart, PartOutcome};
pub use spec::{
    RunConfig, RunError, StepId, StepSpec, Work, MAX_ATTEMPTS, MAX_LABEL_CHARS, MAX_OUTPUT_BYTES, MAX_REASON_BYTES,
    MAX_RETRY_AFTER_MS,
};
pub use status::{BoardProgress, BoardStage, StepStatus};

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::router::dollars;

/// A plan being executed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    slots: Vec<Slot>,
    budget_micros: u64,
    config: RunConfig,
    seed: u64,
    #[serde(skip)]
    actions: VecDeque<Action>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Slot {
    spec: StepSpec,
    status: StepStatus,
    /// The newest attempt's number. Numbers never repeat within a step, across user retries.
    attempt: u32,
    /// Attempts in the current series; a user Retry starts a new series.
    series_attempts: u32,
    series_started_ms: u64,
    /// Spent by the step's earlier attempts, and by its newest one so far (micro-dollars).
    settled_micros: u64,
    attempt_micros: u64,
    /// When the running attempt last reported anything.
    heard_ms: u64,
}

impl Slot {
    fn spent(&self) -> u64 {
        self.settled_micros.saturating_add(self.attempt_micros)
    }

    fn running(&self, attempt: u32) -> bool {
        matches!(self.status, StepStatus::Running { attempt: a, .. } if a == attempt)
    }

    fn model(&self) -> &str {
        match &self.spec.work {
            Work::Cloud { model } => model,
            _ => "the executor",
        }
    }
}

impl Run {
    /// A run of `steps` (the plan, in order) that may spend `budget_micros` on cloud calls.
    pub fn new(steps: Vec<StepSpec>, budget_micros: u64, config: RunConfig, seed: u64) -> Result<Run, RunError> {
        config.check()?;
        let slots = spec::checked(steps, budget_micros)?
            .into_iter()
            .map(|spec| {
                let status = match spec.work.unavailable() {
                    Some(reason) => StepStatus::Unavailable { reason: reason.to_string() },
                    None => StepStatus::Waiting,
                };
                Slot {
                    spec,
                    status,
                    attempt: 0,
                    series_attempts: 0,
                    series_started_ms: 0,
                    settled_micros: 0,
                    attempt_micros: 0,
                    heard_ms: 0,
                }
            })
            .collect();
        Ok(Run { slots, budget_micros, config, seed, actions: VecDeque::new() })
    }

    /// The Run button: every step not yet asked to run is queued.
    pub fn start(&mut self, now_ms: u64) {
        for index in 0..self.slots.len() {
            if self.slots[index].status == StepStatus::Waiting {
                self.enqueue(index);
            }
        }
        self.pump(now_ms);
    }

    /// A step's own Run button; the steps it needs that have not run are queued with it.
    pub fn start_step(&mut self, id: StepId, now_ms: u64) {
        if self.slot(id).is_some_and(|slot| slot.status == StepStatus::Waiting) {
            self.enqueue(id.index());
            self.pump(now_ms);
        }
    }

    /// Retry of a failed, cancelled, blocked or skipped step: a fresh series of attempts, with
    /// the steps it needs that did not finish (but not those the user skipped). Steps that were
    /// blocked waiting for it are queued again, and so are the unfinished steps they need.
    pub fn retry(&mut self, id: StepId, now_ms: u64) {
        if !self.slot(id).is_some_and(|slot| slot.status.can_retry()) {
            return;
        }
        self.enqueue(id.index());
        for index in id.index() + 1..self.slots.len() {
            let slot = &self.slots[index];
            let unblocked = matches!(slot.status, StepStatus::Blocked { .. })
                && slot.spec.depends_on.iter().any(|dep| self.slots[dep.index()].status == StepStatus::Queued);
            if unblocked {
                self.enqueue(index);
            }
        }
        self.pump(now_ms);
    }

    /// Leaves a step out; what depends on it is blocked.
    pub fn skip(&mut self, id: StepId, now_ms: u64) {
        let Some(slot) = self.slot(id) else { return };
        if matches!(slot.status, StepStatus::Done { .. } | StepStatus::Unavailable { .. } | StepStatus::Skipped) {
            return;
        }
        self.stop(id.index(), StepStatus::Skipped);
        self.pump(now_ms);
    }

    /// Cancel: every attempt in flight is aborted and nothing new starts; every step not finished
    /// becomes Cancelled (each can be retried).
    pub fn cancel(&mut self) {
        for index in 0..self.slots.len() {
            let status = &self.slots[index].status;
            if status.is_pending() || *status == StepStatus::Waiting {
                self.stop(index, StepStatus::Cancelled);
            }
        }
    }

    /// After loading a stored run: the calls it had in flight are gone with the page. Board tasks
    /// live in the swarm, so they stay on the board and the adapter follows them again.
    pub fn interrupt(&mut self) {
        for slot in &mut self.slots {
            match slot.status {
                StepStatus::Running { .. } => {
                    slot.status = StepStatus::Failed {
                        reason: "interrupted: the page was closed or reloaded while it ran".to_string(),
                    }
                }
                StepStatus::Queued | StepStatus::RetryAt { .. } => slot.status = StepStatus::Cancelled,
                _ => {}
            }
        }
        self.actions.clear();
    }

    /// Streamed text of a running attempt.
    pub fn handle_text(&mut self, id: StepId, attempt: u32, delta: &str, now_ms: u64) {
        let Some(slot) = self.slot_mut(id) else { return };
        let StepStatus::Running { attempt: a, text, .. } = &mut slot.status else { return };
        if *a != attempt {
            return;
        }
        if text.len().saturating_add(delta.len()) > MAX_OUTPUT_BYTES {
            let reason = format!("the answer grew past {} KB, so it was stopped", MAX_OUTPUT_BYTES / 1024);
            self.abort(id.index(), StepStatus::Failed { reason });
            self.pump(now_ms);
            return;
        }
        text.push_str(delta);
        slot.heard_ms = now_ms;
    }

    /// What the attempt has cost so far, in micro-dollars (cumulative: from the usage the
    /// provider reported). A run over its budget stops every call in flight.
    pub fn handle_spent(&mut self, id: StepId, attempt: u32, micros: u64, now_ms: u64) {
        let Some(slot) = self.slot_mut(id) else { return };
        if slot.attempt != attempt || attempt == 0 || !matches!(slot.spec.work, Work::Cloud { .. }) {
            return;
        }
        slot.attempt_micros = slot.attempt_micros.max(micros);
        if slot.running(attempt) {
            slot.heard_ms = now_ms;
        }
        let spent = self.spent_micros();
        if spent > self.budget_micros {
            let reason =
                format!("stopped: the run has spent {} of its {} budget", dollars(spent), dollars(self.budget_micros));
            for index in 0..self.slots.len() {
                if matches!(self.slots[index].status, StepStatus::Running { .. }) {
                    self.abort(index, StepStatus::Failed { reason: reason.clone() });
                }
            }
        }
        self.pump(now_ms);
    }

    /// The attempt finished; its streamed text is the step's output.
    pub fn handle_done(&mut self, id: StepId, attempt: u32, now_ms: u64) {
        let Some(slot) = self.slot_mut(id) else { return };
        let StepStatus::Running { attempt: a, text, .. } = &mut slot.status else { return };
        if *a != attempt {
            return;
        }
        if text.trim().is_empty() {
            let failure = Failure::transient(format!("{} sent an empty answer", slot.model()), None);
            self.fail_attempt(id.index(), &failure, now_ms);
        } else {
            let output = std::mem::take(text);
            slot.status = StepStatus::Done {
                output,
                cost_micros: slot.spent(),
                elapsed_ms: now_ms.saturating_sub(slot.series_started_ms),
                attempts: slot.series_attempts,
            };
        }
        self.pump(now_ms);
    }

    /// The attempt failed (a call, or posting a board task).
    pub fn handle_failed(&mut self, id: StepId, attempt: u32, failure: Failure, now_ms: u64) {
        let Some(slot) = self.slot(id) else { return };
        let current = match slot.status {
            StepStatus::Running { attempt: a, .. } | StepStatus::OnBoard { attempt: a, .. } => a == attempt,
            _ => false,
        };
        if current {
            self.fail_attempt(id.index(), &failure, now_ms);
            self.pump(now_ms);
        }
    }

    /// The board task of this attempt moved.
    pub fn handle_board(&mut self, id: StepId, attempt: u32, progress: BoardProgress, now_ms: u64) {
        let Some(slot) = self.slot_mut(id) else { return };
        let StepStatus::OnBoard { attempt: a, stage } = &mut slot.status else { return };
        if *a != attempt {
            return;
        }
        match progress {
            BoardProgress::Posted { task } => *stage = BoardStage::Posted { task },
            BoardProgress::Claimed => *stage = BoardStage::Claimed,
            BoardProgress::Submitted { text } => {
                *stage = BoardStage::Submitted { text: bounded(text, MAX_OUTPUT_BYTES) }
            }
            BoardProgress::Rejected { reason } => {
                *stage = BoardStage::Rejected { reason: bounded(reason, MAX_REASON_BYTES) }
            }
            BoardProgress::Accepted { text } => {
                slot.status = StepStatus::Done {
                    output: bounded(text, MAX_OUTPUT_BYTES),
                    cost_micros: 0,
                    elapsed_ms: now_ms.saturating_sub(slot.series_started_ms),
                    attempts: slot.series_attempts,
                };
            }
            BoardProgress::Expired => {
                slot.status =
                    StepStatus::Failed { reason: "the board task expired before a result was accepted".to_string() };
            }
        }
        self.pump(now_ms);
    }

    /// Time passed: stalled attempts are aborted and retried, retries that are due are queued.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        let timeout = self.config.attempt_timeout_ms;
        for index in 0..self.slots.len() {
            let slot = &mut self.slots[index];
            match slot.status {
                StepStatus::Running { .. } if slot.heard_ms.saturating_add(timeout) <= now_ms => {
                    let message = format!("no reply from {} for {} s", slot.model(), timeout / 1000);
                    let StepStatus::Running { attempt, .. } = slot.status else { continue };
                    self.actions.push_back(Action::Abort { step: StepId(index as u32), attempt });
                    self.fail_attempt(index, &Failure::transient(message, None), now_ms);
                }
                StepStatus::RetryAt { at_ms, .. } if at_ms <= now_ms => slot.status = StepStatus::Queued,
                _ => {}
            }
        }
        self.pump(now_ms);
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When [`Run::handle_timeout`] is due next, if anything waits on time.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.slots
            .iter()
            .filter_map(|slot| match slot.status {
                StepStatus::Running { .. } => Some(slot.heard_ms.saturating_add(self.config.attempt_timeout_ms)),
                StepStatus::RetryAt { at_ms, .. } => Some(at_ms),
                _ => None,
            })
            .min()
    }

    /// A step's state (`None` for a step outside the plan).
    pub fn step(&self, id: StepId) -> Option<&StepStatus> {
        self.slot(id).map(|slot| &slot.status)
    }

    pub fn steps(&self) -> impl Iterator<Item = (StepId, &StepSpec, &StepStatus)> {
        self.slots.iter().enumerate().map(|(index, slot)| (StepId(index as u32), &slot.spec, &slot.status))
    }

    /// Money spent on cloud calls so far, failed attempts included (micro-dollars).
    pub fn spent_micros(&self) -> u64 {
        self.slots.iter().fold(0, |sum, slot| sum.saturating_add(slot.spent()))
    }

    pub fn budget_micros(&self) -> u64 {
        self.budget_micros
    }

    /// Nothing is running, queued or due to retry: the run does nothing more until the user acts.
    pub fn is_finished(&self) -> bool {
        !self.slots.iter().any(|slot| slot.status.is_pending())
    }

    pub fn answer(&self) -> Answer {
        Answer { parts: self.steps().map(|(id, spec, status)| Answer::part(id, &spec.label, status)).collect() }
    }

    fn slot(&self, id: StepId) -> Option<&Slot> {
        self.slots.get(id.index())
    }

    fn slot_mut(&mut self, id: StepId) -> Option<&mut Slot> {
        self.slots.get_mut(id.index())
    }

    /// Queues a step with a fresh series, and the steps it needs that could still run.
    fn enqueue(&mut self, index: usize) {
        for dep in self.slots[index].spec.depends_on.clone() {
            let status = &self.slots[dep.index()].status;
            if *status == StepStatus::Waiting || (status.can_retry() && *status != StepStatus::Skipped) {
                self.enqueue(dep.index());
            }
        }
        let slot = &mut self.slots[index];
        slot.series_attempts = 0;
        slot.status = StepStatus::Queued;
    }

    /// Ends a step with `status`, aborting its attempt if one is in flight.
    fn stop(&mut self, index: usize, status: StepStatus) {
        match self.slots[index].status {
            StepStatus::Running { .. } | StepStatus::OnBoard { .. } => self.abort(index, status),
            _ => self.slots[index].status = status,
        }
    }

    fn abort(&mut self, index: usize, status: StepStatus) {
        let slot = &mut self.slots[index];
        if let StepStatus::Running { attempt, .. } | StepStatus::OnBoard { attempt, .. } = slot.status {
            self.actions.push_back(Action::Abort { step: StepId(index as u32), attempt });
        }
        slot.status = status;
    }

    /// The current attempt failed: retry after a backoff, or fail the step.
    fn fail_attempt(&mut self, index: usize, failure: &Failure, now_ms: u64) {
        let slot = &mut self.slots[index];
        let message = bounded(failure.message.clone(), MAX_REASON_BYTES);
        let tries = slot.series_attempts;
        slot.status = match failure.kind {
            FailureKind::Final => StepStatus::Failed { reason: message },
            FailureKind::Retryable { .. } if tries >= self.config.max_attempts => {
                StepStatus::Failed { reason: format!("{message} (gave up after {tries} attempts)") }
            }
            FailureKind::Retryable { retry_after_ms: Some(wait) } if wait > MAX_RETRY_AFTER_MS => StepStatus::Failed {
                reason: format!("{message}; the provider asks to wait {} minutes, try again later", wait / 60_000),
            },
            FailureKind::Retryable { retry_after_ms } => {
                let backoff = backoff::delay_ms(&self.config, self.seed, StepId(index as u32), slot.attempt, tries);
                let wait = backoff.max(retry_after_ms.unwrap_or(0));
                StepStatus::RetryAt { at_ms: now_ms.saturating_add(wait), attempt: slot.attempt, reason: message }
            }
        };
    }

    /// Money spent plus what the calls in flight are still expected to cost.
    fn committed_micros(&self) -> u64 {
        self.slots.iter().fold(self.spent_micros(), |sum, slot| match slot.status {
            StepStatus::Running { .. } => {
                sum.saturating_add(slot.spec.estimate_micros.saturating_sub(slot.attempt_micros))
            }
            _ => sum,
        })
    }

    /// Starts what can start, in plan order; blocks what never can.
    fn pump(&mut self, now_ms: u64) {
        for index in 0..self.slots.len() {
            if self.slots[index].status != StepStatus::Queued {
                continue;
            }
            let mut ready = true;
            for dep in &self.slots[index].spec.depends_on {
                let why = match &self.slots[dep.index()].status {
                    StepStatus::Done { .. } => continue,
                    StepStatus::Failed { .. } => "failed".to_string(),
                    StepStatus::Skipped => "was skipped".to_string(),
                    StepStatus::Cancelled => "was cancelled".to_string(),
                    StepStatus::Blocked { .. } => "could not run".to_string(),
                    StepStatus::Unavailable { reason } => format!("cannot run here ({reason})"),
                    StepStatus::Waiting
                    | StepStatus::Queued
                    | StepStatus::Running { .. }
                    | StepStatus::RetryAt { .. }
                    | StepStatus::OnBoard { .. } => {
                        ready = false;
                        continue;
                    }
                };
                self.slots[index].status =
                    StepStatus::Blocked { on: *dep, reason: format!("needs {dep}, which {why}") };
                ready = false;
                break;
            }
            if ready {
                self.launch(index, now_ms);
            }
        }
    }

    fn launch(&mut self, index: usize, now_ms: u64) {
        let running = self.slots.iter().filter(|slot| matches!(slot.status, StepStatus::Running { .. })).count();
        let (committed, spent) = (self.committed_micros(), self.spent_micros());
        let step = StepId(index as u32);
        let context: Vec<(StepId, String)> = self.slots[index]
            .spec
            .depends_on
            .iter()
            .filter_map(|dep| match &self.slots[dep.index()].status {
                StepStatus::Done { output, .. } => Some((*dep, output.clone())),
                _ => None,
            })
            .collect();
        let slot = &mut self.slots[index];
        let estimate = slot.spec.estimate_micros;
        let action = match &slot.spec.work {
            Work::Cloud { .. } if spent.saturating_add(estimate) > self.budget_micros => {
                let left = self.budget_micros.saturating_sub(spent);
                let reason =
                    format!("would overspend the budget: about {} needed, {} left", dollars(estimate), dollars(left));
                slot.status = StepStatus::Failed { reason };
                return;
            }
            // Calls in flight may still come in under their estimates: wait for them.
            Work::Cloud { .. } if committed.saturating_add(estimate) > self.budget_micros => return,
            Work::Cloud { .. } if running >= self.config.max_concurrent => return,
            Work::Cloud { model } => Action::Call(Call {
                step,
                attempt: slot.attempt + 1,
                model: model.clone(),
                context,
                budget_micros: self.budget_micros.saturating_sub(committed),
                timeout_ms: self.config.attempt_timeout_ms,
            }),
            Work::Board { credits } => {
                Action::PostBoardTask { step, attempt: slot.attempt + 1, credits: *credits, context }
            }
            Work::Local | Work::Peer => return,
        };
        slot.attempt += 1;
        if slot.series_attempts == 0 {
            slot.series_started_ms = now_ms;
        }
        slot.series_attempts += 1;
        slot.settled_micros = slot.spent();
        slot.attempt_micros = 0;
        slot.heard_ms = now_ms;
        slot.status = match action {
            Action::PostBoardTask { .. } => StepStatus::OnBoard { attempt: slot.attempt, stage: BoardStage::Posting },
            _ => StepStatus::Running { attempt: slot.attempt, started_ms: now_ms, text: String::new() },
        };
        self.actions.push_back(action);
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}
