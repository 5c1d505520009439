//! One step of a run as it goes: its state in words (waiting, streaming, done with cost and time,
//! failed with the reason…), the text it produced so far, exactly the text that leaves the device
//! for a cloud step, and the step's own Run, Skip and Retry.

use amorph_core::router::dollars;
use amorph_core::run::{BoardStage, StepId, StepStatus};
use leptos::prelude::*;

use crate::runner::Runner;

#[component]
/// `pays`: the credits a board step's worker is paid, shown instead of a cost in dollars.
pub fn RunStep(runner: Runner, id: StepId, cloud: bool, pays: Option<u64>) -> impl IntoView {
    let step = Memo::new(move |_| runner.view.with(|v| v.as_ref().and_then(|v| v.steps.get(id.index()).cloned())));
    let live = Memo::new(move |_| runner.view.with(|v| v.as_ref().is_some_and(|v| !v.restored)));
    // A streamed token changes only `shown`: the memos below keep the rest of the step as it is.
    let state = Memo::new(move |_| step.with(|s| s.as_ref().map(|s| state_name(&s.status, !s.shown.is_empty()))));
    let said = Memo::new(move |_| step.with(|s| s.as_ref().map(|s| describe(&s.status, pays))));
    let waiting = Memo::new(move |_| step.with(|s| s.as_ref().is_some_and(|s| matches!(s.status, StepStatus::Waiting))));
    let can_retry = Memo::new(move |_| step.with(|s| s.as_ref().is_some_and(|s| s.status.can_retry())));
    let shown = Memo::new(move |_| step.with(|s| s.as_ref().map(|s| s.shown.clone()).unwrap_or_default()));
    let has_output = Memo::new(move |_| shown.with(|s| !s.is_empty()));
    let sent = Memo::new(move |_| step.with(|s| s.as_ref().and_then(|s| s.sent.clone())));
    let strip_pii = Memo::new(move |_| step.with(|s| s.as_ref().is_some_and(|s| s.strip_pii)));
    view! {
        <div class="step-run" data-testid="step-run" data-state=move || state.get()>
            <p class="small" data-testid="step-state" aria-live="polite">{move || said.get()}</p>
            {move || has_output.get().then(|| view! {
                <pre class="step-output" data-testid="step-output">{move || shown.get()}</pre>
            })}
            {cloud.then(|| view! {
                <label class="check">
                    <input type="checkbox" data-testid="step-strip-pii"
                        prop:checked=move || strip_pii.get()
                        disabled=move || !live.get() || !waiting.get()
                        on:change=move |ev| runner.set_strip_pii(id, event_target_checked(&ev)) />
                    "Replace personal data by placeholders before sending"
                </label>
                <details class="small">
                    <summary>"Text that leaves this device"</summary>
                    <pre data-testid="step-sent">{move || sent.get().or_else(|| {
                        // Tracks the step so the preview follows the placeholder checkbox.
                        strip_pii.track();
                        runner.preview(id).map(|p| format!("{p}\n(plus the results of earlier steps it builds on)"))
                    })}</pre>
                </details>
            })}
            <div class="actions">
                {move || (live.get() && waiting.get()).then(|| view! {
                    <button type="button" class="secondary" data-testid="step-start" on:click=move |_| runner.start_step(id)>"Run"</button>
                    <button type="button" class="secondary" data-testid="step-skip" on:click=move |_| runner.skip(id)>"Skip"</button>
                })}
                {move || (live.get() && can_retry.get()).then(|| view! {
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
