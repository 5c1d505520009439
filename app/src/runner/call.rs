//! One attempt of a cloud step: the text that leaves (the step, the outputs it builds on, personal
//! data replaced by placeholders when asked), the user's key opened from the vault, the signed
//! delegation record over exactly the request's bytes, then the streamed call, every event reported
//! to the engine as it arrives.

use std::cell::RefCell;
use std::rc::Rc;

use amorph_core::events::Event;
use amorph_core::llm::{streaming_request, LlmError, Prompt, StreamEvent};
use amorph_core::router::{pii, ModelProfile};
use amorph_core::run::{Call, Failure, Sent, StepId};
use web_sys::AbortController;

use super::driver::Driver;
use crate::vault::subtle::random_bytes;
use crate::cloud;
use crate::swarm::now_ms;

const SYSTEM: &str = "You carry out one step of a larger request. Do exactly this step and answer it directly and \
                      concisely. Text in square brackets such as [NAME_1] stands for hidden personal data: keep it as it is.";
/// The most a step may ask a model to write.
const MAX_OUTPUT_TOKENS: u32 = 4_096;
const MIN_OUTPUT_TOKENS: u32 = 16;

/// The text that leaves for `step` given its inputs, and the placeholders that hid personal data.
pub(super) fn outgoing(d: &Driver, step: StepId, context: &[(StepId, String)]) -> (String, Vec<pii::Placeholder>) {
    let Some(text) = with_inputs(d, step, context) else { return (String::new(), Vec::new()) };
    if d.strip_pii.get(step.index()).copied().unwrap_or(false) {
        let names: Vec<&str> = d.settings.private_names.iter().map(String::as_str).collect();
        let stripped = pii::strip(&text, &names);
        (stripped.sent, stripped.placeholders)
    } else {
        (text, Vec::new())
    }
}

/// The text of `step` followed by the outputs it builds on, each as its producer wrote it, values
/// it hid put back (a cloud step's stripping hides them again under its own placeholders).
pub(super) fn with_inputs(d: &Driver, step: StepId, context: &[(StepId, String)]) -> Option<String> {
    let mut text = d.plan.get(step.index())?.subtask.text.clone();
    for (from, output) in context {
        let output = match d.placeholders.get(from) {
            Some(placeholders) => pii::restore(output, placeholders),
            None => output.clone(),
        };
        text.push_str(&format!("\n\nThe result of {from}:\n{output}"));
    }
    Some(text)
}

/// Starts the attempt the engine asked for, inside the engine's turn; its later reports reach the
/// engine through `Driver::report`.
pub(super) fn start(this: &Rc<RefCell<Driver>>, call: Call) {
    let (step, attempt) = (call.step, call.attempt);
    let prepared = {
        let mut d = this.borrow_mut();
        let profile = d.settings.registry.models.iter().find(|m| m.id == call.model).cloned();
        let kind = d.plan.get(step.index()).map(|s| s.subtask.kind.kind.name()).unwrap_or("writing");
        let (text, placeholders) = outgoing(&d, step, &call.context);
        d.sent.insert(step, text.clone());
        d.placeholders.insert(step, placeholders);
        let strip_pii = d.strip_pii.get(step.index()).copied().unwrap_or(false);
        let controller = AbortController::new().ok();
        if let Some(controller) = &controller {
            d.in_flight.insert((step, attempt), controller.clone());
        }
        profile.map(|p| (p, kind, text, strip_pii, controller, d.coordinator, d.actions, d.run_id))
    };
    let Some((profile, kind, text, strip_pii, Some(controller), coordinator, actions, run_id)) = prepared else {
        let why = format!("{} is no longer in the registry (Settings), or the browser cannot abort calls", call.model);
        this.borrow_mut().run.handle_failed(step, attempt, Failure::permanent(why), now_ms());
        return;
    };
    let this = this.clone();
    leptos::task::spawn_local(async move {
        let fail = |failure: Failure| Driver::report(&this, |run, now| run.handle_failed(step, attempt, failure, now));
        let provider = profile.provider;
        let key = match coordinator.open_key(provider).await {
            Ok(key) => key,
            Err(why) => return fail(Failure::permanent(format!("the API key could not be opened: {why}"))),
        };
        if key.is_none() && provider.needs_key() {
            return fail(Failure::permanent(format!("no {} API key is stored: add one in Settings", provider.label())));
        }
        if let Some(Err(why)) = key.as_ref().map(|k| k.check(&profile)) {
            return fail(Failure::permanent(why));
        }
        let key = key.map(|k| k.key);
        let max_tokens = max_tokens(&profile, &call, SYSTEM.len() + text.len());
        let prompt = Prompt { system: Some(SYSTEM.to_string()), user: text, max_tokens };
        let request = match streaming_request(&profile, key.as_deref(), &prompt) {
            Ok(request) => request,
            Err(e) => return fail(Failure::permanent(e.to_string())),
        };
        let sent = Sent { bytes: request.body.as_bytes(), provider: provider.name(), task_kind: kind, allow_logging: false, strip_pii };
        let record = call.delegated(random_bytes::<16>().unwrap_or_default(), Some(run_id), sent);
        // No record, no send: the audit chain must hold every delegation.
        if let Err(why) = actions.publish(Event::Delegated(record)) {
            return fail(Failure::transient(format!("the delegation could not be recorded ({why})"), None));
        }
        let signal = controller.signal();
        // Providers report usage in parts (Anthropic: input first, output at the end); the cost is
        // of the largest figures seen, as the engine takes cumulative spending.
        let mut used = (0u32, 0u32);
        let result = cloud::stream(&profile, &request, &signal, now_ms, |event| match event {
            StreamEvent::Text(delta) => Driver::report(&this, |run, now| run.handle_text(step, attempt, &delta, now)),
            StreamEvent::Usage { input_tokens, output_tokens } => {
                used = (used.0.max(input_tokens), used.1.max(output_tokens));
                let cost = profile.cost_micros(used.0, used.1);
                Driver::report(&this, |run, now| run.handle_spent(step, attempt, cost, now))
            }
            done @ StreamEvent::Done { .. } => {
                if done.is_cut_short() {
                    let note = format!("\n\n[cut short: {} reached the most it may write for this step]", profile.id);
                    Driver::report(&this, |run, now| run.handle_text(step, attempt, &note, now))
                }
            }
        })
        .await;
        this.borrow_mut().in_flight.remove(&(step, attempt));
        match result {
            Ok(()) => Driver::report(&this, |run, now| run.handle_done(step, attempt, now)),
            // Aborted on the engine's request (cancel, stall, budget): it already knows.
            Err(LlmError::Cancelled) => {}
            Err(e) => {
                let failure = if e.retryable() {
                    Failure::transient(e.to_string(), e.retry_after_ms())
                } else {
                    Failure::permanent(e.to_string())
                };
                fail(failure)
            }
        }
    });
}

/// As many output tokens as the attempt's budget pays for after its input (about four bytes a
/// token), within bounds.
fn max_tokens(profile: &ModelProfile, call: &Call, input_bytes: usize) -> u32 {
    if profile.output_micros_per_1k == 0 {
        return MAX_OUTPUT_TOKENS;
    }
    let input_tokens = u32::try_from(input_bytes / 4 + 1).unwrap_or(u32::MAX);
    let input_cost = profile.cost_micros(input_tokens, 0);
    let left = call.budget_micros.saturating_sub(input_cost);
    let tokens = left.saturating_mul(1_000) / profile.output_micros_per_1k;
    u32::try_from(tokens).unwrap_or(u32::MAX).clamp(MIN_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS)
}
