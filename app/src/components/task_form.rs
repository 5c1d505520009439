//! The post form: a task's title, input, domain, payment and deadline, and under "Terms" its karma
//! gate, required skills, verification method, delegation and parent task. Turns the fields into a
//! `TaskPosted` and shows core's refusal inline (e.g. a payment above the balance).

use amorph_core::events::{result_hash, Delegation, Event, KarmaMin, Requirements, TaskPosted, Verification, PPM};
use amorph_core::market::TaskState;
use amorph_core::wire::EventId;
use leptos::prelude::*;

use super::field::Field;
use crate::app::Actions;
use crate::swarm::now_ms;
use crate::ui_state::Ui;

const HOUR_MS: u64 = 3_600_000;

/// What the form's fields hold, as typed.
#[derive(Clone, Copy)]
struct Fields {
    title: RwSignal<String>,
    description: RwSignal<String>,
    domain: RwSignal<String>,
    payment: RwSignal<String>,
    hours: RwSignal<String>,
    gate_dimension: RwSignal<String>,
    gate_min: RwSignal<String>,
    skills: RwSignal<String>,
    verification: RwSignal<String>,
    expected: RwSignal<String>,
    delegable: RwSignal<bool>,
    max_depth: RwSignal<String>,
    parent: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        Fields {
            title: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            domain: RwSignal::new("general".into()),
            payment: RwSignal::new("10".into()),
            hours: RwSignal::new("168".into()),
            gate_dimension: RwSignal::new(String::new()),
            gate_min: RwSignal::new(String::new()),
            skills: RwSignal::new(String::new()),
            verification: RwSignal::new("requester".into()),
            expected: RwSignal::new(String::new()),
            delegable: RwSignal::new(false),
            max_depth: RwSignal::new("1".into()),
            parent: RwSignal::new(String::new()),
        }
    }

    /// The task the fields describe, or what is wrong with them.
    fn task(&self, now_ms: u64) -> Result<TaskPosted, String> {
        let payment = whole(&self.payment.get_untracked(), "Payment")?;
        let hours = whole(&self.hours.get_untracked(), "Deadline")?;
        if hours == 0 {
            return Err("Deadline must be at least 1 hour away.".into());
        }
        let mut requirements = Requirements::default();
        let dimension = self.gate_dimension.get_untracked().trim().to_string();
        if !dimension.is_empty() {
            requirements.karma_min.push(KarmaMin { dimension, min_ppm: ppm(&self.gate_min.get_untracked())? });
        }
        requirements.skills =
            self.skills.get_untracked().split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        let verification = match self.verification.get_untracked().as_str() {
            "jury" => Verification::Jury,
            "automatic" => {
                let expected = self.expected.get_untracked();
                if expected.trim().is_empty() {
                    return Err("Automatic verification needs the expected result.".into());
                }
                Verification::Automatic { expected_hash: result_hash(&expected) }
            }
            _ => Verification::Requester,
        };
        let delegation = Delegation {
            allowed: self.delegable.get_untracked(),
            max_depth: if self.delegable.get_untracked() {
                u8::try_from(whole(&self.max_depth.get_untracked(), "Max depth")?)
                    .map_err(|_| "Max depth is at most 8.".to_string())?
            } else {
                0
            },
        };
        let parent = match self.parent.get_untracked().as_str() {
            "" => None,
            hex => Some(EventId::from_hex(hex).ok_or("The parent task id is not valid.")?),
        };
        Ok(TaskPosted {
            title: self.title.get_untracked().trim().into(),
            description: self.description.get_untracked().trim().into(),
            domain: self.domain.get_untracked().trim().into(),
            payment,
            deadline_ms: now_ms.saturating_add(hours.saturating_mul(HOUR_MS)),
            requirements,
            verification,
            delegation,
            parent,
        })
    }
}

fn whole(text: &str, what: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| format!("{what} must be a whole number, 0 or more."))
}

/// A karma threshold typed as a decimal between 0 and 1 (e.g. `0.75`), in millionths.
fn ppm(text: &str) -> Result<u32, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok((value * f64::from(PPM)).round() as u32),
        _ => Err("The karma minimum is a number from 0 to 1, e.g. 0.75.".into()),
    }
}

#[component]
pub fn TaskForm() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let actions = expect_context::<Actions>();
    let fields = Fields::new();
    let error = RwSignal::new(None::<String>);
    // Tasks I work on whose terms let me delegate parts of them.
    let delegable = move || {
        let me = ui.me.get()?;
        ui.with_views(|views| {
            views
                .board
                .iter()
                .filter(|t| t.executor == Some(me) && t.state == TaskState::Claimed && t.terms.delegation.allowed)
                .map(|t| (t.id.to_hex(), t.terms.title.clone()))
                .collect::<Vec<_>>()
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let posted = fields.task(now_ms()).and_then(|task| actions.publish(Event::TaskPosted(task)));
        match posted {
            Ok(_) => {
                error.set(None);
                fields.title.set(String::new());
                fields.description.set(String::new());
            }
            Err(message) => error.set(Some(format!("Could not post: {message}"))),
        }
    };
    let text = |signal: RwSignal<String>| {
        (move || signal.get(), move |ev: leptos::ev::Event| signal.set(event_target_value(&ev)))
    };
    let (title, set_title) = text(fields.title);
    let (description, set_description) = text(fields.description);
    let (domain, set_domain) = text(fields.domain);
    let (payment, set_payment) = text(fields.payment);
    let (hours, set_hours) = text(fields.hours);
    let (gate_dimension, set_gate_dimension) = text(fields.gate_dimension);
    let (gate_min, set_gate_min) = text(fields.gate_min);
    let (skills, set_skills) = text(fields.skills);
    let (verification, set_verification) = text(fields.verification);
    let (expected, set_expected) = text(fields.expected);
    let (max_depth, set_max_depth) = text(fields.max_depth);
    let (parent, set_parent) = text(fields.parent);
    let currency = move || ui.with_views(|v| v.rules.currency.clone()).unwrap_or_default();

    view! {
        <form class="task-form" on:submit=submit aria-labelledby="post-heading">
            <h3 id="post-heading">"Post a task"</h3>
            <Field label="Title" wide=true>
                <input data-testid="task-title" type="text" maxlength="120" placeholder="What needs doing?"
                    prop:value=title on:input=set_title />
            </Field>
            <Field label="Input" wide=true>
                <textarea data-testid="task-description" rows="3" maxlength="2000" placeholder="Details a worker needs"
                    prop:value=description on:input=set_description></textarea>
            </Field>
            <Field label="Domain">
                <input data-testid="task-domain" type="text" maxlength="32" placeholder="e.g. translation"
                    autocapitalize="none" spellcheck="false" prop:value=domain on:input=set_domain />
            </Field>
            <Field label="Payment">
                <div class="with-unit">
                    <input data-testid="task-reward" type="number" min="0" step="1" inputmode="numeric"
                        prop:value=payment on:input=set_payment />
                    <span class="unit">{currency}</span>
                </div>
            </Field>
            <details class="terms wide">
                <summary data-testid="task-terms">"Terms: gate, verification, delegation"</summary>
                <div class="terms-grid">
                    <Field label="Deadline (hours)">
                        <input data-testid="task-deadline-hours" type="number" min="1" step="1"
                            prop:value=hours on:input=set_hours />
                    </Field>
                    <Field label="Verification">
                        <select data-testid="task-verification" prop:value=verification on:change=set_verification>
                            <option value="requester">"I accept or reject"</option>
                            <option value="jury">"A jury decides"</option>
                            <option value="automatic">"Automatic: result must equal…"</option>
                        </select>
                    </Field>
                    <Show when=move || fields.verification.get() == "automatic">
                        <Field label="Expected result" wide=true>
                            <input data-testid="task-expected" type="text" maxlength="4000"
                                prop:value=expected on:input=set_expected />
                        </Field>
                    </Show>
                    <Field label="Karma gate">
                        <input data-testid="task-gate-dimension" type="text" maxlength="64"
                            placeholder="e.g. accuracy.translation" autocapitalize="none" spellcheck="false"
                            prop:value=gate_dimension on:input=set_gate_dimension />
                    </Field>
                    <Field label="at least">
                        <input data-testid="task-gate-min" type="text" inputmode="decimal" placeholder="0.75"
                            prop:value=gate_min on:input=set_gate_min />
                    </Field>
                    <Field label="Skills (comma-separated)" wide=true>
                        <input data-testid="task-skills" type="text" maxlength="300" autocapitalize="none"
                            prop:value=skills on:input=set_skills />
                    </Field>
                    <label class="check">
                        <input data-testid="task-delegable" type="checkbox" prop:checked=move || fields.delegable.get()
                            on:change=move |ev| fields.delegable.set(event_target_checked(&ev)) />
                        " The worker may delegate parts"
                    </label>
                    <Show when=move || fields.delegable.get()>
                        <Field label="Max depth">
                            <input data-testid="task-max-depth" type="number" min="0" max="8" step="1"
                                prop:value=max_depth on:input=set_max_depth />
                        </Field>
                    </Show>
                    <Show when=move || delegable().is_some_and(|d| !d.is_empty())>
                        <Field label="Subtask of" wide=true>
                            <select data-testid="task-parent" prop:value=parent on:change=set_parent>
                                <option value="">"(none: a task of my own)"</option>
                                {move || delegable().unwrap_or_default().into_iter().map(|(id, title)| {
                                    view! { <option value=id>{title}</option> }
                                }).collect_view()}
                            </select>
                        </Field>
                    </Show>
                </div>
            </details>
            <div class="form-actions wide">
                <button type="submit" class="primary" data-testid="post-task">"Post task"</button>
            </div>
            {move || {
                error.get().map(|message| view! { <p class="error wide" role="alert" data-testid="post-error">{message}</p> })
            }}
        </form>
    }
}
