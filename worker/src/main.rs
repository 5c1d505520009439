//! The worker runtime: listens for `ToWorker` requests and answers with `FromWorker` reports.
//!
//! Owns everything that runs on the worker thread: ping/pong, the hardware probe, and the model
//! (loading, embeddings, self-benchmark). Never touches the identity or the swarm; its only
//! network use is fetching the model's files from the page's own origin.

mod engine;
mod fetcher;
mod hardware;

use amorph_worker::protocol::{FromWorker, ToWorker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// The static constructors, gathered by wasm-ld (cubecl registers itself with `inventory` in
    /// them).
    fn __wasm_call_ctors();
}

fn main() {
    // Run the constructors once, here. A module that never calls them itself is linked as a
    // "command": wasm-ld then wraps every export (each allocation or closure call from JS) in a
    // call to all of them, which took a fifth of a batch-1 embedding (docs/benchmarks.md).
    #[cfg(target_arch = "wasm32")]
    // SAFETY: called once, first thing, before any code that relies on what they register.
    unsafe {
        __wasm_call_ctors()
    };
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        web_sys::console::error_1(&"amorph-worker must run in a dedicated web worker".into());
        return;
    };
    let handler_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            post(&handler_scope, &FromWorker::Error { message: "expected a JSON string message".into() });
            return;
        };
        match ToWorker::from_json(&text) {
            Ok(request) => handle(handler_scope.clone(), request),
            Err(message) => post(&handler_scope, &FromWorker::Error { message }),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&scope, &FromWorker::Ready { version: env!("CARGO_PKG_VERSION").into() });
}

fn handle(scope: DedicatedWorkerGlobalScope, request: ToWorker) {
    match request {
        ToWorker::Ping { seq } => post(&scope, &FromWorker::Pong { seq }),
        ToWorker::ProbeHardware => wasm_bindgen_futures::spawn_local(async move {
            let report = hardware::probe().await;
            post(&scope, &FromWorker::Hardware(report));
        }),
        ToWorker::LoadModel { variant, backend } => wasm_bindgen_futures::spawn_local(async move {
            engine::load(variant, backend, &|message| post(&scope, &message)).await;
        }),
        ToWorker::Embed { id, texts } => wasm_bindgen_futures::spawn_local(async move {
            let answer = match engine::embed(&texts).await {
                Ok((vectors, ms)) => FromWorker::Embeddings { id, vectors, ms },
                Err(message) => FromWorker::EmbedFailed { id, message },
            };
            post(&scope, &answer);
        }),
        ToWorker::Benchmark { id } => wasm_bindgen_futures::spawn_local(async move {
            let report = engine::benchmark().await;
            post(&scope, &FromWorker::Benchmark { id, report });
        }),
    }
}

fn post(scope: &DedicatedWorkerGlobalScope, message: &FromWorker) {
    if let Err(error) = scope.post_message(&JsValue::from_str(&message.to_json())) {
        web_sys::console::error_2(&"amorph-worker: postMessage failed".into(), &error);
    }
}
