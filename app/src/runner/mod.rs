//! Running a plan in this tab: core's run engine (`amorph_core::run::Run`) driven by real work —
//! cloud calls streamed with `fetch`, tasks posted on the board and followed as they move, timers
//! for retries and stalls — and shown step by step.
//!
//! Thin on purpose: which step starts, when a retry is due, what the budget allows and what the
//! answer says are the engine's decisions. This adapter builds each request (the step's text, its
//! inputs, personal data replaced when asked), signs the delegation record as the bytes leave,
//! reports back what happened, and keeps the finished run in IndexedDB so a reload shows it.

mod board;
mod call;
mod driver;
mod saved;

use std::cell::RefCell;
use std::rc::Rc;

use amorph_core::router::{Executor, Provider, Step};
use amorph_core::run::{Answer, StepId, StepStatus};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::app::Actions;
use crate::coordinator::Coordinator;
use crate::ui_state::Ui;
use driver::Driver;

/// One step as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepView {
    pub status: StepStatus,
    /// Replace personal data by placeholders before this step's text leaves (cloud steps).
    pub strip_pii: bool,
    /// Exactly the text that left for the latest attempt, once it did.
    pub sent: Option<String>,
    /// The step's output (or streamed text so far) with placeholders put back.
    pub shown: String,
}

/// A run as the page shows it; also what is stored once it is finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub request: String,
    pub plan: Vec<Step>,
    pub steps: Vec<StepView>,
    pub spent_micros: u64,
    pub budget_micros: u64,
    pub started: bool,
    pub finished: bool,
    /// Assembled once the run is finished, each part labelled with who produced it.
    pub answer: Option<Answer>,
    /// Providers that must be confirmed before the first send to them.
    pub to_confirm: Vec<Provider>,
    /// The run waits for the user to send parts whose privacy only the keyword rules read.
    #[serde(default)]
    pub rules_alone: bool,
    /// Restored from storage: the run ended in an earlier visit.
    pub restored: bool,
}

/// The planner's handle on its run: Copy, so any closure can hold it.
#[derive(Clone, Copy)]
pub struct Runner {
    driver: StoredValue<Option<Rc<RefCell<Driver>>>, LocalStorage>,
    ui: Ui,
    coordinator: Coordinator,
    actions: Actions,
    pub view: RwSignal<Option<RunView>>,
    /// Why the plan could not become a run, or why storing the run failed.
    pub problem: RwSignal<Option<String>>,
    /// The finished run is stored for the next visit.
    pub kept: RwSignal<bool>,
}

impl Runner {
    /// A runner that shows the last finished run of this tab slot, once it is read back.
    pub fn new(ui: Ui, coordinator: Coordinator, actions: Actions) -> Runner {
        let runner = Runner {
            driver: StoredValue::new_local(None),
            ui,
            coordinator,
            actions,
            view: RwSignal::new(None),
            problem: RwSignal::new(None),
            kept: RwSignal::new(false),
        };
        saved::restore_when_ready(ui, runner);
        // Board steps move when the market does.
        Effect::new(move |_| {
            ui.economy.track();
            runner.with(board::follow);
        });
        runner
    }

    /// Prepares `plan` to run (nothing starts until `start`); replaces any earlier run.
    /// `rules_alone`: the model did not read the plan's privacy, so cloud steps ask first.
    pub fn prepare(&self, request: String, plan: Vec<Step>, rules_alone: bool) {
        self.cancel();
        self.kept.set(false);
        match Driver::new(request, plan, rules_alone, *self, self.ui, self.coordinator, self.actions) {
            Ok(driver) => {
                let driver = Rc::new(RefCell::new(driver));
                self.driver.set_value(Some(driver.clone()));
                self.problem.set(None);
                Driver::publish(&driver);
            }
            Err(why) => {
                self.driver.set_value(None);
                self.view.set(None);
                self.problem.set(Some(why));
            }
        }
    }

    fn with(&self, f: impl FnOnce(&Rc<RefCell<Driver>>)) {
        if let Some(driver) = self.driver.get_value() {
            f(&driver);
        }
    }

    /// The Run button: every waiting step, after the confirmations.
    pub fn start(&self) {
        self.with(|d| Driver::start(d, None));
    }

    /// The user confirmed the first send to the providers listed.
    pub fn confirm(&self) {
        self.with(Driver::confirm);
    }

    /// The user declined the first send: nothing starts.
    pub fn decline(&self) {
        self.with(Driver::decline);
    }

    pub fn start_step(&self, step: StepId) {
        self.with(|d| Driver::start(d, Some(step)));
    }

    pub fn skip(&self, step: StepId) {
        self.with(|d| Driver::skip(d, step));
    }

    pub fn retry(&self, step: StepId) {
        self.with(|d| Driver::retry(d, step));
    }

    pub fn set_strip_pii(&self, step: StepId, on: bool) {
        self.with(|d| Driver::set_strip_pii(d, step, on));
    }

    pub fn cancel(&self) {
        self.with(Driver::cancel);
    }

    /// What leaves for a cloud step before it runs: its text as it will be sent (inputs from
    /// earlier steps are added when they are done).
    pub fn preview(&self, step: StepId) -> Option<String> {
        let mut preview = None;
        self.with(|d| preview = d.borrow().preview(step));
        preview
    }
}

/// "gpt-4o (OpenAI)", "human workers (board)": who produces a step, as the answer labels it.
pub fn producer(executor: &Executor) -> String {
    match executor {
        Executor::ThisDevice { model } => format!("this device ({model})"),
        Executor::Cloud { model, provider } => format!("{model} ({})", provider.label()),
        Executor::Peer { label, .. } => format!("peer {label}"),
        Executor::HumanBoard => "human workers (board)".to_string(),
    }
}
