//! Worker client: starts the `amorph-worker` web worker, waits for it to say it is ready, asks for
//! the hardware report, and carries model requests (load, embed, benchmark) to it and their
//! answers back: progress into the UI state, results to the futures that asked.
//!
//! Owns the `Worker` object, its callbacks and the requests in flight. The message types live in
//! the worker crate (`amorph_worker::protocol`). A worker that crashes fails every request in
//! flight with the reason; the app goes on without a model (the router falls back to its rules)
//! until the user restarts it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use amorph_worker::{BackendChoice, BenchmarkReport, FromWorker, ModelVariant, ToWorker};
use futures::channel::oneshot;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::ui_state::{ModelState, Ui, WorkerState};

/// The worker's loader (public/worker-loader.js: a classic script that imports the wasm-bindgen glue).
pub const WORKER_SCRIPT: &str = "/worker-loader.js";
const START_TIMEOUT_MS: u32 = 20_000;

pub type WorkerRef = Rc<WorkerLink>;
type Embedded = Result<Vec<Vec<f32>>, String>;
type Benchmarked = Result<BenchmarkReport, String>;

pub struct WorkerLink {
    ui: Ui,
    state: RefCell<Running>,
    this: Weak<WorkerLink>,
}

/// One started worker and what it owes.
#[derive(Default)]
struct Running {
    worker: Option<Worker>,
    on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    on_error: Option<Closure<dyn FnMut(ErrorEvent)>>,
    answered: bool,
    next_id: u32,
    embeds: HashMap<u32, oneshot::Sender<Embedded>>,
    benchmarks: HashMap<u32, oneshot::Sender<Benchmarked>>,
    /// The model asked for, so a restarted worker loads it again.
    model: Option<(ModelVariant, BackendChoice)>,
}

pub fn start(ui: Ui) -> WorkerRef {
    let link = Rc::new_cyclic(|this| WorkerLink { ui, state: RefCell::new(Running::default()), this: this.clone() });
    link.spawn();
    link
}

impl WorkerLink {
    fn spawn(&self) {
        let ui = self.ui;
        ui.worker.set(WorkerState::Starting);
        let worker = match Worker::new(WORKER_SCRIPT) {
            Ok(worker) => worker,
            Err(error) => {
                ui.worker.set(WorkerState::Failed(format!("the worker could not be created: {error:?}")));
                return;
            }
        };
        let this = self.this.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            match FromWorker::from_json(&text) {
                Ok(message) => {
                    if let Some(link) = this.upgrade() {
                        link.hear(message);
                    }
                }
                Err(message) => web_sys::console::warn_1(&message.into()),
            }
        });
        let this = self.this.clone();
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            if let Some(link) = this.upgrade() {
                link.crashed(event.message());
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let mut state = self.state.borrow_mut();
        state.worker = Some(worker);
        state.on_message = Some(on_message);
        state.on_error = Some(on_error);
        state.answered = false;
        drop(state);
        let this = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(START_TIMEOUT_MS).await;
            let Some(link) = this.upgrade() else { return };
            if !link.state.borrow().answered && link.ui.worker.get_untracked() == WorkerState::Starting {
                let why = format!("the worker did not start within {} s", START_TIMEOUT_MS / 1000);
                link.ui.worker.set(WorkerState::Failed(why));
            }
        });
    }

    fn hear(&self, message: FromWorker) {
        let ui = self.ui;
        match message {
            FromWorker::Ready { .. } => {
                let model = {
                    let mut state = self.state.borrow_mut();
                    state.answered = true;
                    state.model
                };
                self.post(&ToWorker::ProbeHardware);
                if let Some((variant, backend)) = model {
                    self.post(&ToWorker::LoadModel { variant, backend });
                }
            }
            FromWorker::Pong { .. } => {}
            // Ready once it answered the probe, so a test that sees `ready` finds the hardware filled.
            FromWorker::Hardware(report) => {
                ui.hardware.set(Some(report));
                ui.worker.set(WorkerState::Ready);
            }
            FromWorker::ModelProgress { stage, loaded, total } => {
                ui.model.set(ModelState::Loading { stage, loaded, total })
            }
            FromWorker::ModelReady(report) => ui.model.set(ModelState::Ready(report)),
            FromWorker::ModelFailed { message } => ui.model.set(ModelState::Failed(message)),
            FromWorker::Embeddings { id, vectors, .. } => self.answer_embed(id, Ok(vectors)),
            FromWorker::EmbedFailed { id, message } => self.answer_embed(id, Err(message)),
            FromWorker::Benchmark { id, report } => {
                if let Some(reply) = self.state.borrow_mut().benchmarks.remove(&id) {
                    let _ = reply.send(report);
                }
            }
            FromWorker::Error { message } => web_sys::console::warn_1(&format!("worker: {message}").into()),
        }
    }

    fn answer_embed(&self, id: u32, result: Embedded) {
        if let Some(reply) = self.state.borrow_mut().embeds.remove(&id) {
            let _ = reply.send(result);
        }
    }

    /// An uncaught error in the worker: stop it, fail what it owed, say so.
    fn crashed(&self, detail: String) {
        let why =
            if detail.is_empty() { "the worker crashed".to_string() } else { format!("the worker crashed: {detail}") };
        let mut state = self.state.borrow_mut();
        if let Some(worker) = state.worker.take() {
            worker.terminate();
        }
        for (_, reply) in state.embeds.drain() {
            let _ = reply.send(Err(why.clone()));
        }
        for (_, reply) in state.benchmarks.drain() {
            let _ = reply.send(Err(why.clone()));
        }
        drop(state);
        self.ui.worker.set(WorkerState::Failed(why.clone()));
        if self.ui.model.get_untracked() != ModelState::Absent {
            self.ui.model.set(ModelState::Failed(format!("{why}; plans use keyword rules until the worker restarts")));
        }
    }

    /// Starts a fresh worker after a crash; it loads the model again if one was asked for.
    pub fn restart(&self) {
        if let Some(worker) = self.state.borrow_mut().worker.take() {
            worker.terminate();
        }
        let reload = self.state.borrow().model.is_some();
        self.ui.model.set(if reload {
            ModelState::Loading { stage: amorph_worker::LoadStage::ReadingCache, loaded: 0, total: 0 }
        } else {
            ModelState::Absent
        });
        self.spawn();
    }

    pub fn load_model(&self, variant: ModelVariant, backend: BackendChoice) {
        self.state.borrow_mut().model = Some((variant, backend));
        self.ui.model.set(ModelState::Loading { stage: amorph_worker::LoadStage::Fetching, loaded: 0, total: 0 });
        if self.state.borrow().answered {
            self.post(&ToWorker::LoadModel { variant, backend });
        }
    }

    /// Sentence embeddings from the worker's model.
    pub async fn embed(&self, texts: Vec<String>) -> Embedded {
        let (reply, answer) = oneshot::channel();
        let id = self.ask(|state, id| state.embeds.insert(id, reply))?;
        self.post(&ToWorker::Embed { id, texts });
        answer.await.unwrap_or_else(|_| Err("the worker went away".into()))
    }

    pub async fn benchmark(&self) -> Benchmarked {
        let (reply, answer) = oneshot::channel();
        let id = self.ask(|state, id| state.benchmarks.insert(id, reply))?;
        self.post(&ToWorker::Benchmark { id });
        answer.await.unwrap_or_else(|_| Err("the worker went away".into()))
    }

    /// A fresh request id, registered by `register`; an error when no worker runs.
    fn ask<T>(&self, register: impl FnOnce(&mut Running, u32) -> T) -> Result<u32, String> {
        let mut state = self.state.borrow_mut();
        if state.worker.is_none() {
            return Err("the worker is not running".into());
        }
        state.next_id = state.next_id.wrapping_add(1);
        let id = state.next_id;
        register(&mut state, id);
        Ok(id)
    }

    fn post(&self, message: &ToWorker) {
        let state = self.state.borrow();
        let Some(worker) = &state.worker else { return };
        if worker.post_message(&JsValue::from_str(&message.to_json())).is_err() {
            web_sys::console::warn_1(&"could not post to the worker".into());
        }
    }
}
