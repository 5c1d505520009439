//! This device: what the worker reports (cores, memory, WebGPU adapter and limits), what the main
//! thread reads (battery, connection), the self-benchmark, and the worker's state.

use leptos::prelude::*;

use amorph_core::router::Power;

use crate::ui_state::{Ui, WorkerState};

#[component]
pub fn HardwarePanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let hw = move || ui.hardware.get();
    view! {
        <section class="card hardware-card" aria-labelledby="hardware-heading">
            <h2 id="hardware-heading">"This device"</h2>
            <dl class="facts">
                <div>
                    <dt>"Worker"</dt>
                    <dd>
                        <span
                            class="badge"
                            data-testid="worker-status"
                            data-state=move || ui.worker.get().as_str()
                        >
                            {move || ui.worker.get().as_str()}
                        </span>
                    </dd>
                </div>
                <div>
                    <dt>"CPU cores"</dt>
                    <dd data-testid="hw-cores">
                        {move || hw().map(|h| if h.cores > 0 { h.cores.to_string() } else { "unknown".into() }).unwrap_or("…".into())}
                    </dd>
                </div>
                <div>
                    <dt>"Memory (GB)"</dt>
                    <dd data-testid="hw-memory">
                        {move || {
                            hw().map(|h| h.device_memory_gb.map(|m| format!("{m}")).unwrap_or("unknown".into())).unwrap_or("…".into())
                        }}
                    </dd>
                </div>
                <div>
                    <dt>"WebGPU"</dt>
                    <dd data-testid="hw-webgpu">{move || hw().map(|h| if h.webgpu { "yes" } else { "no" }).unwrap_or("…")}</dd>
                </div>
                <div>
                    <dt>"GPU adapter"</dt>
                    <dd data-testid="hw-adapter" title=move || hw().and_then(|h| h.webgpu_note).unwrap_or_default()>
                        {move || {
                            hw().map(|h| match h.adapter {
                                    Some(name) if h.fallback_adapter => format!("{name} (software fallback)"),
                                    Some(name) => name,
                                    None => "none".into(),
                                })
                                .unwrap_or("…".into())
                        }}
                    </dd>
                </div>
                <div>
                    <dt>"GPU max buffer"</dt>
                    <dd data-testid="hw-max-buffer">
                        {move || hw().map(|h| h.max_buffer_bytes.map(|b| format!("{} MiB", b / (1024 * 1024))).unwrap_or("none".into())).unwrap_or("…".into())}
                    </dd>
                </div>
                <div>
                    <dt>"Power"</dt>
                    <dd data-testid="hw-power">
                        {move || {
                            let c = ui.conditions.get();
                            let level = c.battery_percent.map(|p| format!(", {p}%")).unwrap_or_default();
                            match c.power {
                                Power::Unknown => "unknown (no battery reported)".to_string(),
                                Power::Charging => format!("charging{level}"),
                                Power::OnBattery => format!("on battery{level}"),
                            }
                        }}
                    </dd>
                </div>
                <div>
                    <dt>"Connection"</dt>
                    <dd data-testid="hw-connection">{move || ui.conditions.get().connection.unwrap_or("unknown".into())}</dd>
                </div>
                <div>
                    <dt>"Self-benchmark"</dt>
                    <dd data-testid="hw-benchmark">
                        {move || match ui.benchmark.get() {
                            Some(b) => format!(
                                "{:.1} embeddings/s (batch 1), {:.1}/s (batch 16), {:.2} GFLOP/s matmul on {}",
                                b.embeddings_per_s_batch1, b.embeddings_per_s_batch16, b.matmul_gflops, b.backend.name()
                            ),
                            None => "runs once the model is loaded".to_string(),
                        }}
                    </dd>
                </div>
            </dl>
            {move || match ui.worker.get() {
                WorkerState::Failed(message) => {
                    Some(view! { <p class="error small" role="alert" data-testid="worker-error">{message}</p> })
                }
                _ => None,
            }}
        </section>
    }
}
