//! The coordinator model: load it, watch it arrive (bytes fetched, then verifying and
//! initialising), see where it runs (WebGPU or CPU, and why) and whether it came from the cache.

use amorph_worker::{BackendChoice, LoadStage};
use leptos::prelude::*;

use crate::coordinator::Coordinator;
use crate::ui_state::{ModelState, Ui, WorkerState};

#[component]
pub fn ModelPanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let coordinator = expect_context::<Coordinator>();
    let backend = RwSignal::new("auto".to_string());
    let load = move |_| {
        let choice = match backend.get_untracked().as_str() {
            "cpu" => BackendChoice::Cpu,
            "webgpu" => BackendChoice::WebGpu,
            _ => BackendChoice::Auto,
        };
        coordinator.load_model(choice);
    };
    let busy = move || matches!(ui.model.get(), ModelState::Loading { .. });
    view! {
        <section class="card model-card" aria-labelledby="model-heading" data-testid="model-panel" data-state=move || ui.model.get().as_str()>
            <h2 id="model-heading">"Coordinator model"</h2>
            <p class="small muted">"all-MiniLM-L6-v2, 8-bit weights (26 MB), runs in a web worker on this device. It reads each part of a request to choose where it goes; nothing you type leaves this tab to do that."</p>
            {move || match ui.model.get() {
                ModelState::Absent => view! { <p data-testid="model-status">"Not loaded. Plans use keyword rules until it is."</p> }.into_any(),
                ModelState::Loading { stage, loaded, total } => {
                    let (text, value, max) = progress(stage, loaded, total);
                    view! {
                        <div data-testid="model-progress" data-stage=stage_name(stage) data-loaded=loaded data-total=total>
                            <progress value=value max=max aria-label="Model loading"></progress>
                            <p class="small" data-testid="model-status">{text}</p>
                        </div>
                    }
                    .into_any()
                }
                ModelState::Ready(report) => {
                    let source = if report.from_cache { "from this browser's cache" } else { "fetched from the server" };
                    view! {
                        <dl class="facts">
                            <div><dt>"Runs on"</dt><dd data-testid="model-backend" data-backend=report.backend.name()>{backend_label(report.backend)}</dd></div>
                            <div><dt>"Why"</dt><dd data-testid="model-backend-note">{report.backend_note.clone()}</dd></div>
                            <div><dt>"Weights"</dt><dd data-testid="model-source" data-from-cache=report.from_cache.to_string()>{format!("{:.1} MB {source}", report.bytes as f64 / 1e6)}</dd></div>
                            <div><dt>"Load time"</dt><dd>{format!("{:.0} ms fetch, {:.0} ms initialise", report.fetch_ms, report.init_ms)}</dd></div>
                        </dl>
                    }
                    .into_any()
                }
                ModelState::Failed(why) => view! { <p class="error small" role="alert" data-testid="model-error">{why}</p> }.into_any(),
            }}
            <div class="row">
                <label class="field">
                    <span>"Backend"</span>
                    <select prop:value=move || backend.get() on:change=move |ev| backend.set(event_target_value(&ev)) data-testid="model-backend-choice">
                        <option value="auto">"WebGPU if available, else CPU"</option>
                        <option value="webgpu">"WebGPU"</option>
                        <option value="cpu">"CPU"</option>
                    </select>
                </label>
                <button on:click=load disabled=busy data-testid="load-model">
                    {move || if matches!(ui.model.get(), ModelState::Ready(_)) { "Reload model" } else { "Load model" }}
                </button>
                {move || matches!(ui.worker.get(), WorkerState::Failed(_)).then(|| view! {
                    <button on:click=move |_| coordinator.restart_worker() data-testid="restart-worker">"Restart worker"</button>
                })}
            </div>
        </section>
    }
}

fn stage_name(stage: LoadStage) -> &'static str {
    match stage {
        LoadStage::Fetching => "fetching",
        LoadStage::ReadingCache => "reading-cache",
        LoadStage::Verifying => "verifying",
        LoadStage::Initialising => "initialising",
    }
}

/// The status line and the progress bar's value and maximum (an indeterminate bar when the total
/// is unknown).
fn progress(stage: LoadStage, loaded: u64, total: u64) -> (String, Option<f64>, f64) {
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let bar = (total > 0).then(|| loaded.min(total) as f64);
    match stage {
        LoadStage::Fetching if total > 0 => {
            (format!("Fetching {:.1} of {:.1} MB", mb(loaded), mb(total)), bar, total as f64)
        }
        LoadStage::Fetching => ("Fetching…".into(), None, 1.0),
        LoadStage::ReadingCache => (format!("Reading {:.1} MB from the cache", mb(total)), bar, total.max(1) as f64),
        LoadStage::Verifying => ("Verifying checksums…".into(), None, 1.0),
        LoadStage::Initialising => ("Initialising the model…".into(), None, 1.0),
    }
}

fn backend_label(backend: amorph_worker::Backend) -> &'static str {
    match backend {
        amorph_worker::Backend::WebGpu => "WebGPU",
        amorph_worker::Backend::Cpu => "CPU",
    }
}
