//! One step of a run as it goes: its state in words (waiting, streaming, done with cost and time,
//! failed with the reason…), the text it produced so far, exactly the text that leaves the device
//! for a cloud step, and the step's own Run, Skip and Retry.

use amorph_core::router::dollars;
use amorph_core::run::{BoardStage, StepId, StepStatus};
use leptos::prelude::*;

use crate::runner::{Runner, StepView};

#[component]
/// `pays`: the credits a board step's worker is paid, shown instead of a cost in dollars.
pub fn RunStep(runner: Runner, id: StepId, cloud: bool, pays: Option<u64>) -> impl IntoView {
    let step = Memo::new(move |_| runner.view.with(|v| v.as_ref().and_then(|v| v.steps.get(id.index()).cloned())));
    let live = move || runner.view.with(|v| v.as_ref().is_some_and(|v| !v.restored));
    let status = move || step.get().map(|s| s.status);
    view! {
        <div class="step-run" data-testid="step-run" data-state=move || status().map(|s| state_name(&s, step.get().is_some_and(|s| !s.shown.is_empty())))>
            <p class="small" data-testid="step-state" aria-live="polite">{move || status().map(|s| describe(&s, pays))}</p>
            {move || step.get().filter(|s| !s.shown.is_empty()).map(|s| view! {
                <pre class="step-output" data-testid="step-output">{s.shown}</pre>
            })}
            {cloud.then(|| view! {
                <label class="small">
                    <input type="checkbox" data-testid="step-strip-pii"
                        prop:checked=move || step.get().is_some_and(|s| s.strip_pii)
                        disabled=move || !live() || !matches!(status(), Some(StepStatus::Waiting))
                        on:change=move |ev| runner.set_strip_pii(id, event_target_checked(&ev)) />
                    "Replace personal data by placeholders before sending"
                </label>
                <details class="small">
                    <summary>"Text that leaves this device"</summary>
                    <pre data-testid="step-sent">{move || step.get().and_then(|s: StepView| s.sent).or_else(|| runner.preview(id).map(|p| format!("{p}\n(plus the results of earlier steps it builds on)")))}</pre>
                </details>
            })}
            <div class="actions">
                {move || (live() && matches!(status(), Some(StepStatus::Waiting))).then(|| view! {
                    <button type="button" class="secondary" data-testid="step-start" on:click=move |_| runner.start_step(id)>"Run"</button>
                    <button type="button" class="secondary" data-testid="step-skip" on:click=move |_| runner.skip(id)>"Skip"</button>
                })}
                {move || (live() && status().is_some_and(|s| s.can_retry())).then(|| view! {
                    <button type="button" class="secondary" data-testid="step-retry" on:click=move |_| runner.retry(id)>"Retry"</button>
                })}
            </div>
        </div>
    }
}

/// The state as a test or a style reads it.
fn state_name(status: &StepStatus, has_text: bool) -> &'static str {
    match status {
        StepStatus::Waiting => "waiting",
        StepStatus::Queued => "queued",
        StepStatus::Unavailable { .. } => "unavailable",
        StepStatus::Running { .. } if has_text => "streaming",
        StepStatus::Running { .. } => "running",
        StepStatus::RetryAt { .. } => "retrying",
        StepStatus::OnBoard { .. } => "on_board",
        StepStatus::Done { .. } => "done",
        StepStatus::Failed { .. } => "failed",
        StepStatus::Blocked { .. } => "blocked",
        StepStatus::Skipped => "skipped",
        StepStatus::Cancelled => "cancelled",
    }
}

/// The state in words.
fn describe(status: &StepStatus, pays: Option<u64>) -> String {
    match status {
        StepStatus::Waiting => "Waiting for Run.".into(),
        StepStatus::Queued => "Queued: starts when its inputs are done and a slot is free.".into(),
        StepStatus::Unavailable { reason } => format!("Cannot run yet: {reason}."),
        StepStatus::Running { attempt, text, .. } if text.is_empty() => match attempt {
            1 => "Running…".into(),
            n => format!("Running (attempt {n})…"),
        },
        StepStatus::Running { .. } => "Streaming…".into(),
        StepStatus::RetryAt { attempt, reason, .. } => format!("Attempt {attempt} failed: {reason} Retrying soon."),
        StepStatus::OnBoard { stage, .. } => match stage {
            BoardStage::Posting => "Posting on the board…".into(),
            BoardStage::Posted { .. } => "On the board: waiting for a worker to claim it.".into(),
            BoardStage::Claimed => "Claimed by a worker: waiting for the result.".into(),
            BoardStage::Submitted { .. } => "A worker submitted a result: accept or reject it on the board.".into(),
            BoardStage::Rejected { reason } => format!("You rejected the result ({reason}); open for another worker."),
        },
        StepStatus::Done { cost_micros, elapsed_ms, attempts, .. } => {
            let tries = if *attempts > 1 { format!(" after {attempts} attempts") } else { String::new() };
            let cost = match pays {
                Some(credits) => format!("pays {credits} credits"),
                None => format!("cost {}", dollars(*cost_micros)),
            };
            format!("Done in {:.1} s{tries}, {cost}.", *elapsed_ms as f64 / 1000.0)
        }
        StepStatus::Failed { reason } => format!("Failed: {reason}"),
        StepStatus::Blocked { reason, .. } => format!("Not run: {reason}."),
        StepStatus::Skipped => "Skipped.".into(),
        StepStatus::Cancelled => "Cancelled.".into(),
    }
}
