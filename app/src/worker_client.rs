//! Worker client: starts the `amorph-worker` web worker, waits for it to say it is ready, pings it
//! and asks for the hardware report, and writes what it hears into the UI state.
//!
//! Owns the `Worker` object and its callbacks. The message types live in the worker crate
//! (`amorph_worker::protocol`); this file only carries them.

use std::cell::Cell;
use std::rc::Rc;

use amorph_worker::{FromWorker, ToWorker};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::ui_state::{Ui, WorkerState};

/// The worker's loader (public/worker-loader.js: a classic script that imports the wasm-bindgen glue).
pub const WORKER_SCRIPT: &str = "/worker-loader.js";
const START_TIMEOUT_MS: u32 = 20_000;

/// Keeps the worker and its callbacks alive for as long as it is held.
pub struct WorkerClient {
    _worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

pub fn start(ui: Ui) -> Option<WorkerClient> {
    let worker = match Worker::new(WORKER_SCRIPT) {
        Ok(worker) => worker,
        Err(error) => {
            ui.worker.set(WorkerState::Failed(format!("the worker could not be created: {error:?}")));
            return None;
        }
    };
    let answered = Rc::new(Cell::new(false));
    let on_message = {
        let worker = worker.clone();
        let answered = answered.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            match FromWorker::from_json(&text) {
                Ok(FromWorker::Ready { .. }) => {
                    answered.set(true);
                    post(&worker, &ToWorker::Ping { seq: 1 });
                    post(&worker, &ToWorker::ProbeHardware);
                }
                // Ready once it answered both, so a test that sees `ready` finds the hardware filled.
                Ok(FromWorker::Pong { .. }) => {}
                Ok(FromWorker::Hardware(report)) => {
                    ui.hardware.set(Some(report));
                    ui.worker.set(WorkerState::Ready);
                }
                Ok(FromWorker::Error { message }) => {
                    web_sys::console::warn_1(&format!("worker: {message}").into());
                }
                Err(message) => web_sys::console::warn_1(&message.into()),
            }
        })
    };
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
        let detail = event.message();
        let message = if detail.is_empty() {
            "the worker script failed to load or crashed".to_string()
        } else {
            format!("the worker failed: {detail}")
        };
        ui.worker.set(WorkerState::Failed(message));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    wasm_bindgen_futures::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(START_TIMEOUT_MS).await;
        if !answered.get() && ui.worker.get_untracked() == WorkerState::Starting {
            ui.worker
                .set(WorkerState::Failed(format!("the worker did not start within {} s", START_TIMEOUT_MS / 1000)));
        }
    });
    Some(WorkerClient { _worker: worker, _on_message: on_message, _on_error: on_error })
}

fn post(worker: &Worker, message: &ToWorker) {
    if worker.post_message(&JsValue::from_str(&message.to_json())).is_err() {
        web_sys::console::warn_1(&"could not post to the worker".into());
    }
}
