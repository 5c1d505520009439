//! The loop around core's run engine: every user action and every report goes in, then every
//! action the engine asks for is carried out (a call started, a task posted, an attempt aborted)
//! and the engine's next timeout is armed. After each turn the page's view is published.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use amorph_core::router::{pii, Executor, Provider, Step};
use amorph_core::run::{Action, Run, RunConfig, StepId, StepSpec, StepStatus, Work};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use web_sys::AbortController;

use super::{board, call, saved, producer, RunView, Runner, StepView};
use crate::app::Actions;
use crate::coordinator::{Coordinator, Settings};
use crate::swarm::now_ms;
use crate::ui_state::Ui;
use crate::vault::subtle::random_bytes;

pub struct Driver {
    pub(super) run: Run,
    pub(super) request: String,
    pub(super) plan: Vec<Step>,
    /// The settings as they were when the plan was made (registry, names to hide).
    pub(super) settings: Settings,
    pub(super) strip_pii: Vec<bool>,
    /// Exactly what left for each step's latest attempt.
    pub(super) sent: BTreeMap<StepId, String>,
    /// Placeholders of each step's latest attempt, to put the hidden values back in its output.
    pub(super) placeholders: BTreeMap<StepId, Vec<pii::Placeholder>>,
    /// Fetches in flight, to abort.
    pub(super) in_flight: BTreeMap<(StepId, u32), AbortController>,
    /// Board tasks posted for steps, and the last progress reported for each.
    pub(super) board: BTreeMap<StepId, board::Followed>,
    /// The id the delegation records name this run by.
    pub(super) run_id: [u8; 16],
    pub(super) started: bool,
    timer: Option<Timeout>,
    pub(super) runner: Runner,
    pub(super) ui: Ui,
    pub(super) coordinator: Coordinator,
    pub(super) actions: Actions,
    /// Waiting for the user to confirm a first send before `start` goes on.
    pending_start: Option<Option<StepId>>,
    /// The plan's privacy was read by the keyword rules alone; the user accepted that for this run.
    rules_alone: bool,
    rules_alone_accepted: bool,
    /// When the page's view was last published, and the publish waiting for its turn.
    published_ms: Cell<u64>,
    publish_timer: Option<Timeout>,
}

/// While text streams in, the page is drawn again at most this often: a reader sees no
/// difference, and a device that also runs the model (a laptop beside its own llama.cpp) keeps its
/// CPU for the model instead of for layout and paint.
const PUBLISH_EVERY_MS: u64 = 50;

/// Runs of this many dependent steps cannot loop forever: each turn ends when the engine has
/// nothing more to ask.
const MAX_ACTIONS_PER_TURN: usize = 256;

impl Driver {
    pub fn new(
        request: String,
        plan: Vec<Step>,
        rules_alone: bool,
        runner: Runner,
        ui: Ui,
        coordinator: Coordinator,
        actions: Actions,
    ) -> Result<Driver, String> {
        let settings = coordinator.settings.get_untracked();
        let specs = plan
            .iter()
            .map(|step| StepSpec {
                work: match &step.route.executor {
                    Executor::Cloud { model, .. } => Work::Cloud { model: model.clone() },
                    Executor::HumanBoard => Work::Board { credits: step.route.credits },
                    Executor::ThisDevice { .. } => Work::Local,
                    Executor::Peer { .. } => Work::Peer,
                },
                estimate_micros: step.route.cost_micros,
                depends_on: step.depends_on.map(|i| vec![StepId(i as u32)]).unwrap_or_default(),
                label: producer(&step.route.executor),
            })
            .collect();
        let seed = u64::from_le_bytes(random_bytes::<8>().unwrap_or_else(|_| now_ms().to_le_bytes()));
        let run = Run::new(specs, settings.budget_micros, RunConfig::default(), seed).map_err(|e| e.to_string())?;
        let strip_pii = plan.iter().map(|s| matches!(s.route.executor, Executor::Cloud { .. })).collect();
        Ok(Driver {
            run,
            request,
            plan,
            settings,
            strip_pii,
            sent: BTreeMap::new(),
            placeholders: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            board: BTreeMap::new(),
            run_id: random_bytes::<16>().unwrap_or_default(),
            started: false,
            timer: None,
            runner,
            ui,
            coordinator,
            actions,
            pending_start: None,
            rules_alone,
            rules_alone_accepted: false,
            published_ms: Cell::new(0),
            publish_timer: None,
        })
    }

    /// Providers of the cloud steps about to run.
    fn cloud_providers(&self, only: Option<StepId>) -> Vec<Provider> {
        let mut providers: Vec<Provider> = self
            .plan
            .iter()
            .enumerate()
            .filter(|(i, _)| only.is_none_or(|step| step.index() == *i))
            .filter(|(i, _)| matches!(self.run.step(StepId(*i as u32)), Some(StepStatus::Waiting)))
            .filter_map(|(_, s)| match &s.route.executor {
                Executor::Cloud { provider, .. } => Some(*provider),
                _ => None,
            })
            .collect();
        providers.sort();
        providers.dedup();
        providers
    }

    /// Providers of cloud steps about to run that the user has not confirmed yet.
    fn unconfirmed(&self, only: Option<StepId>) -> Vec<Provider> {
        let (ask, confirmed) = self.coordinator.settings.with_untracked(|s| (s.confirm_first_send, s.confirmed.clone()));
        if !ask {
            return Vec::new();
        }
        self.cloud_providers(only).into_iter().filter(|p| !confirmed.contains(p)).collect()
    }

    /// Cloud steps about to run whose privacy only the keyword rules read (the model was not
    /// loaded when the plan was made), and the user has not said to send them anyway.
    fn unread_by_model(&self, only: Option<StepId>) -> bool {
        self.rules_alone && !self.rules_alone_accepted && !self.cloud_providers(only).is_empty()
    }

    pub fn start(this: &Rc<RefCell<Driver>>, only: Option<StepId>) {
        {
            let mut d = this.borrow_mut();
            if !d.unconfirmed(only).is_empty() || d.unread_by_model(only) {
                d.pending_start = Some(only);
                drop(d);
                Self::publish(this);
                return;
            }
            d.started = true;
            let now = now_ms();
            match only {
                Some(step) => d.run.start_step(step, now),
                None => d.run.start(now),
            }
        }
        Self::turn(this);
    }

    pub fn confirm(this: &Rc<RefCell<Driver>>) {
        let only = {
            let mut d = this.borrow_mut();
            let Some(only) = d.pending_start.take() else { return };
            d.rules_alone_accepted = true;
            let providers = d.unconfirmed(only);
            let mut settings = d.coordinator.settings.get_untracked();
            settings.confirmed.extend(providers);
            settings.confirmed.sort();
            settings.confirmed.dedup();
            if let Err(why) = settings.save() {
                d.runner.problem.set(Some(why));
            }
            d.coordinator.settings.set(settings);
            only
        };
        Self::start(this, only);
    }

    pub fn decline(this: &Rc<RefCell<Driver>>) {
        this.borrow_mut().pending_start = None;
        Self::publish(this);
    }

    pub fn skip(this: &Rc<RefCell<Driver>>, step: StepId) {
        this.borrow_mut().run.skip(step, now_ms());
        Self::turn(this);
    }

    pub fn retry(this: &Rc<RefCell<Driver>>, step: StepId) {
        this.borrow_mut().run.retry(step, now_ms());
        Self::turn(this);
    }

    pub fn cancel(this: &Rc<RefCell<Driver>>) {
        let mut d = this.borrow_mut();
        d.pending_start = None;
        d.run.cancel();
        drop(d);
        Self::turn(this);
    }

    pub fn set_strip_pii(this: &Rc<RefCell<Driver>>, step: StepId, on: bool) {
        if let Some(flag) = this.borrow_mut().strip_pii.get_mut(step.index()) {
            *flag = on;
        }
        Self::publish(this);
    }

    /// The text of `step` as it would leave now (before its inputs arrive).
    pub fn preview(&self, step: StepId) -> Option<String> {
        let planned = self.plan.get(step.index())?;
        matches!(planned.route.executor, Executor::Cloud { .. }).then(|| call::outgoing(self, step, &[]).0)
    }

    /// Feeds a report in and takes the engine's turn.
    pub fn report(this: &Rc<RefCell<Driver>>, f: impl FnOnce(&mut Run, u64)) {
        f(&mut this.borrow_mut().run, now_ms());
        Self::turn(this);
    }

    /// Carries out what the engine asks, arms its timer, shows the result.
    fn turn(this: &Rc<RefCell<Driver>>) {
        for _ in 0..MAX_ACTIONS_PER_TURN {
            let Some(action) = this.borrow_mut().run.poll_action() else { break };
            match action {
                Action::Call(call) => call::start(this, call),
                Action::PostBoardTask { step, attempt, credits, context } => {
                    board::post(this, step, attempt, credits, &context)
                }
                Action::Abort { step, attempt } => {
                    if let Some(controller) = this.borrow_mut().in_flight.remove(&(step, attempt)) {
                        controller.abort();
                    }
                    board::withdraw(this, step);
                }
            }
        }
        Self::arm(this);
        if this.borrow().run.is_finished() && this.borrow().started {
            // What is stored is what the page shows: publish it first, whatever the throttle.
            Self::publish(this);
            saved::store(this);
        } else {
            Self::publish_soon(this);
        }
    }

    fn arm(this: &Rc<RefCell<Driver>>) {
        let at = this.borrow().run.poll_timeout();
        let timer = at.map(|at| {
            let wait = at.saturating_sub(now_ms()).min(u64::from(u32::MAX)) as u32;
            let weak = Rc::downgrade(this);
            Timeout::new(wait, move || {
                if let Some(this) = weak.upgrade() {
                    Self::report(&this, |run, now| run.handle_timeout(now));
                }
            })
        });
        // Dropping the old timer cancels it.
        this.borrow_mut().timer = timer;
    }

    /// Publishes now if the last publish is old enough, else once it is (leading and trailing
    /// edge: the first token shows at once, the last one within `PUBLISH_EVERY_MS`).
    fn publish_soon(this: &Rc<RefCell<Driver>>) {
        let mut d = this.borrow_mut();
        if d.publish_timer.is_some() {
            return;
        }
        let (now, due) = (now_ms(), d.published_ms.get().saturating_add(PUBLISH_EVERY_MS));
        if now >= due {
            drop(d);
            return Self::publish(this);
        }
        let weak = Rc::downgrade(this);
        d.publish_timer = Some(Timeout::new((due - now) as u32, move || {
            if let Some(this) = weak.upgrade() {
                this.borrow_mut().publish_timer = None;
                Self::publish(&this);
            }
        }));
    }

    pub fn publish(this: &Rc<RefCell<Driver>>) {
        let d = this.borrow();
        d.published_ms.set(now_ms());
        let steps = (0..d.plan.len())
            .map(|i| {
                let step = StepId(i as u32);
                let status = d.run.step(step).cloned().unwrap_or(StepStatus::Waiting);
                let text = match &status {
                    StepStatus::Running { text, .. } => text.clone(),
                    StepStatus::Done { output, .. } => output.clone(),
                    _ => String::new(),
                };
                StepView {
                    shown: d.restored(step, &text),
                    status,
                    strip_pii: d.strip_pii.get(i).copied().unwrap_or(false),
                    sent: d.sent.get(&step).cloned(),
                }
            })
            .collect();
        let finished = d.run.is_finished();
        let answer = (d.started && finished).then(|| d.restored_answer());
        let to_confirm = d.pending_start.map(|only| d.unconfirmed(only)).unwrap_or_default();
        let rules_alone = d.pending_start.is_some_and(|only| d.unread_by_model(only));
        d.runner.view.set(Some(RunView {
            request: d.request.clone(),
            plan: d.plan.clone(),
            steps,
            spent_micros: d.run.spent_micros(),
            budget_micros: d.settings.budget_micros,
            started: d.started,
            finished,
            answer,
            to_confirm,
            rules_alone,
            restored: false,
        }));
    }

    /// `text` of `step` with the values its placeholders hid put back.
    fn restored(&self, step: StepId, text: &str) -> String {
        match self.placeholders.get(&step) {
            Some(placeholders) => pii::restore(text, placeholders),
            None => text.to_string(),
        }
    }

    fn restored_answer(&self) -> amorph_core::run::Answer {
        let mut answer = self.run.answer();
        for part in &mut answer.parts {
            if let amorph_core::run::PartOutcome::Produced(text) = &mut part.outcome {
                *text = self.restored(part.step, text);
            }
        }
        answer
    }
}
