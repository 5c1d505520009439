//! This device's capability envelope: built from the worker's hardware report and self-benchmark,
//! the main thread's conditions and the owner's policy; signed and published whenever it differs
//! from the last one published, and re-signed hourly so peers know it is current.

use amorph_core::events::{Capability, Event};
use leptos::prelude::*;

use super::Settings;
use crate::app::Actions;
use crate::swarm::now_ms;
use crate::ui_state::{ModelState, Ui};

/// How often the envelope is compared with what the device reports now.
const CHECK_EVERY_MS: u32 = 15_000;
/// An unchanged envelope is signed again after this long (peers ignore envelopes older than
/// `router::ENVELOPE_FRESH_MS`).
const RESIGN_AFTER_MS: u64 = 60 * 60 * 1000;

pub fn keep_published(ui: Ui, actions: Actions, settings: RwSignal<Settings>) {
    leptos::task::spawn_local(async move {
        let mut last: Option<(Capability, u64)> = None;
        loop {
            gloo_timers::future::TimeoutFuture::new(CHECK_EVERY_MS).await;
            let Some(now) = current(ui, &settings.get_untracked()) else { continue };
            let due = match &last {
                Some((published, at)) => *published != now || now_ms().saturating_sub(*at) >= RESIGN_AFTER_MS,
                None => true,
            };
            if !due {
                continue;
            }
            match actions.publish(Event::Capability(now.clone())) {
                Ok(_) => last = Some((now, now_ms())),
                Err(why) => web_sys::console::warn_1(&format!("capability envelope not published: {why}").into()),
            }
        }
    });
}

/// The envelope as of now; `None` until the worker has reported the hardware.
fn current(ui: Ui, settings: &Settings) -> Option<Capability> {
    let hardware = ui.hardware.get_untracked()?;
    let conditions = ui.conditions.get_untracked();
    let benchmark = ui.benchmark.get_untracked();
    let backend = match ui.model.get_untracked() {
        ModelState::Ready(report) => report.backend.name(),
        _ => "none",
    };
    let tenths = |value: f64| (value * 10.0).round().clamp(0.0, f64::from(u32::MAX)) as u32;
    let mib = |bytes: Option<u64>| u32::try_from(bytes.unwrap_or(0) / (1024 * 1024)).unwrap_or(u32::MAX);
    Some(Capability {
        backend: backend.into(),
        adapter: hardware.adapter.unwrap_or_default().chars().take(amorph_core::events::MAX_ADAPTER_CHARS).collect(),
        fallback_adapter: hardware.fallback_adapter,
        cores: u16::try_from(hardware.cores).unwrap_or(u16::MAX),
        memory_mib: hardware.device_memory_gb.map_or(0, |gb| (gb * 1024.0).round().clamp(0.0, 1e9) as u32),
        gpu_max_buffer_mib: mib(hardware.max_buffer_bytes),
        embeddings_per_s_x10: benchmark.as_ref().map_or(0, |b| tenths(b.embeddings_per_s_batch16)),
        gflops_x10: benchmark.as_ref().map_or(0, |b| tenths(b.matmul_gflops)),
        power: conditions.power,
        // Tens of percent: an envelope per percent of battery would be noise.
        battery_percent: conditions.battery_percent.map_or(u8::MAX, |p| p / 10 * 10),
        connection: conditions
            .connection
            .unwrap_or_default()
            .chars()
            .take(amorph_core::events::MAX_LABEL_CHARS)
            .collect(),
        policy: settings.policy.clone(),
    })
}
