//! The owner's settings: what this device accepts from the swarm (kinds, data class, CPU and GPU
//! share, only while charging), which cloud providers the user holds keys for, a request's budget,
//! and the LLM registry (strengths, prices, context, latency). Saved locally on "Save".

use amorph_core::router::{ModelProfile, Provider, Sensitivity, TaskKind};
use leptos::prelude::*;

use crate::components::api_keys::ApiKeys;
use crate::coordinator::{Coordinator, Settings};

const CLOUD: [Provider; 5] = [Provider::Anthropic, Provider::OpenAi, Provider::Google, Provider::Xai, Provider::Compatible];

#[component]
pub fn SettingsPanel() -> impl IntoView {
    let coordinator = expect_context::<Coordinator>();
    // Edits happen on a draft; "Save" checks and stores it.
    let draft = RwSignal::new(coordinator.settings.get_untracked());
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut settings = draft.get_untracked();
        // Keys are stored the moment they are entered (ApiKeys); the draft's copy may be older.
        settings.keys = coordinator.settings.get_untracked().keys;
        settings.confirmed = coordinator.settings.get_untracked().confirmed;
        let saved = settings.save();
        if saved.is_ok() {
            coordinator.settings.set(settings);
        }
        outcome.set(Some(saved));
    };
    let edit = move |f: Box<dyn FnOnce(&mut Settings)>| {
        draft.update(|d| f(d));
        outcome.set(None);
    };
    view! {
        <section class="card settings-card wide" aria-labelledby="settings-heading">
            <details data-testid="settings">
                <summary><h2 id="settings-heading">"Settings: what this device accepts, where plans may go"</h2></summary>
                {move || coordinator.settings_note.get().map(|note| view! { <p class="error small" role="alert">{note}</p> })}
                <ApiKeys providers=&CLOUD />
                <form on:submit=save>
                    <fieldset>
                        <legend>"Work this device takes from the swarm"</legend>
                        <div class="checks">
                            {TaskKind::ALL.into_iter().map(|kind| view! {
                                <label>
                                    <input type="checkbox" data-testid=format!("policy-kind-{}", kind.name())
                                        prop:checked=move || draft.with(|d| d.policy.kinds.contains(&kind))
                                        on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |d| {
                                            d.policy.kinds.retain(|k| *k != kind);
                                            if on { d.policy.kinds.push(kind); d.policy.kinds.sort(); }
                                        })) } />
                                    {kind.label()}
                                </label>
                            }).collect_view()}
                        </div>
                        <label class="field">
                            <span>"Most private data it handles for others"</span>
                            <select data-testid="policy-class" prop:value=move || draft.with(|d| d.policy.max_sensitivity.name())
                                on:change=move |ev| { let name = event_target_value(&ev); edit(Box::new(move |d| {
                                    if let Some(class) = Sensitivity::from_name(&name) { d.policy.max_sensitivity = class; }
                                })) }>
                                {Sensitivity::ALL.into_iter().map(|c| view! { <option value=c.name()>{c.label()}</option> }).collect_view()}
                            </select>
                        </label>
                        {percent_field("CPU share (%)", "policy-cpu", draft, |d| d.policy.max_cpu_percent, |d, v| d.policy.max_cpu_percent = v, edit)}
                        {percent_field("GPU share (%)", "policy-gpu", draft, |d| d.policy.max_gpu_percent, |d, v| d.policy.max_gpu_percent = v, edit)}
                        <label>
                            <input type="checkbox" data-testid="policy-charging" prop:checked=move || draft.with(|d| d.policy.only_while_charging)
                                on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |d| d.policy.only_while_charging = on)) } />
                            "Only while charging"
                        </label>
                    </fieldset>
                    <fieldset>
                        <legend>"Cloud models and budget"</legend>
                        <label class="field">
                            <span>"Cloud budget per request ($)"</span>
                            <input type="number" min="0" step="0.01" data-testid="budget-dollars"
                                prop:value=move || draft.with(|d| format!("{:.2}", d.budget_micros as f64 / 1e6))
                                on:change=move |ev| { let value = event_target_value(&ev); edit(Box::new(move |d| {
                                    if let Ok(dollars) = value.trim().parse::<f64>() { d.budget_micros = (dollars.clamp(0.0, 1e6) * 1e6) as u64; }
                                })) } />
                        </label>
                        <label class="field">
                            <span>"Credits per request (peers, people)"</span>
                            <input type="number" min="0" data-testid="budget-credits" prop:value=move || draft.with(|d| d.budget_credits.to_string())
                                on:change=move |ev| { let value = event_target_value(&ev); edit(Box::new(move |d| {
                                    if let Ok(credits) = value.trim().parse() { d.budget_credits = credits; }
                                })) } />
                        </label>
                    </fieldset>
                    <fieldset>
                        <legend>"What may leave this device"</legend>
                        <label>
                            <input type="checkbox" data-testid="confirm-first-send" prop:checked=move || draft.with(|d| d.confirm_first_send)
                                on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |d| d.confirm_first_send = on)) } />
                            "Ask before the first send to each provider"
                        </label>
                        <label class="field wide">
                            <span>"Names to hide from cloud models (one per line): replaced by placeholders before sending, restored in the answer"</span>
                            <textarea rows="2" data-testid="private-names" prop:value=move || draft.with(|d| d.private_names.join("\n"))
                                on:change=move |ev| { let text = event_target_value(&ev); edit(Box::new(move |d| {
                                    d.private_names = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
                                })) }></textarea>
                        </label>
                    </fieldset>
                    <fieldset>
                        <legend>"LLM registry (prices in $ per million tokens)"</legend>
                        <table class="registry" data-testid="registry">
                            <thead><tr><th>"Model"</th><th>"Address (base URL)"</th><th>"Provider's model name"</th><th>"Strengths"</th><th>"In"</th><th>"Out"</th><th>"Context"</th><th>"Latency (ms)"</th><th></th></tr></thead>
                            <tbody>
                                {move || draft.with(|d| d.registry.models.clone()).into_iter().enumerate().map(|(i, model)| registry_row(i, model, edit)).collect_view()}
                            </tbody>
                        </table>
                        <button type="button" class="secondary" data-testid="registry-add-server"
                            on:click=move |_| edit(Box::new(|d| d.registry.models.push(own_server(&d.registry.models))))>
                            "Add a server of your own (OpenAI format: llama.cpp, Ollama, vLLM)"
                        </button>
                    </fieldset>
                    <button type="submit" data-testid="settings-save">"Save"</button>
                    {move || outcome.get().map(|o| match o {
                        Ok(()) => view! { <span class="small" role="status" data-testid="settings-saved">"Saved."</span> }.into_any(),
                        Err(why) => view! { <span class="error small" role="alert" data-testid="settings-error">{why}</span> }.into_any(),
                    })}
                </form>
            </details>
        </section>
    }
}

type Edit = Box<dyn FnOnce(&mut Settings)>;

fn percent_field(
    label: &'static str,
    testid: &'static str,
    draft: RwSignal<Settings>,
    read: fn(&Settings) -> u8,
    write: fn(&mut Settings, u8),
    edit: impl Fn(Edit) + Copy + 'static,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input type="number" min="0" max="100" data-testid=testid prop:value=move || draft.with(|d| read(d).to_string())
                on:change=move |ev| { let value = event_target_value(&ev); edit(Box::new(move |d| {
                    if let Ok(percent) = value.trim().parse::<u8>() { write(d, percent); }
                })) } />
        </label>
    }
}

/// A new row for the user's own OpenAI-compatible server: free, strong at writing, summaries and
/// translation until the user says otherwise; its address is to be filled in before saving.
fn own_server(models: &[ModelProfile]) -> ModelProfile {
    let taken = |id: &str| models.iter().any(|m| m.id == id);
    let id = (1..).map(|n| if n == 1 { "my-server".to_string() } else { format!("my-server-{n}") }).find(|id| !taken(id));
    ModelProfile {
        id: id.unwrap_or_default(),
        provider: Provider::Compatible,
        strengths: vec![TaskKind::Writing, TaskKind::Summarize, TaskKind::Translate],
        input_micros_per_1k: 0,
        output_micros_per_1k: 0,
        context_tokens: 8_192,
        latency_ms: 2_000,
        base_url: String::new(),
        api_model: String::new(),
    }
}

fn registry_row(index: usize, model: ModelProfile, edit: impl Fn(Edit) + Copy + 'static) -> impl IntoView {
    let number = move |value: u64, scale: f64, write: fn(&mut ModelProfile, u64)| {
        view! {
            <td>
                <input type="number" min="0" step="any" value=format!("{}", value as f64 / scale)
                    on:change=move |ev| { let text = event_target_value(&ev); edit(Box::new(move |d| {
                        if let (Ok(v), Some(m)) = (text.trim().parse::<f64>(), d.registry.models.get_mut(index)) {
                            write(m, (v.clamp(0.0, 1e12) * scale) as u64);
                        }
                    })) } />
            </td>
        }
    };
    let strengths = model.strengths.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ");
    let text = move |value: String, testid: &'static str, label: &'static str, write: fn(&mut ModelProfile, String)| {
        view! {
            <td>
                <input type="text" spellcheck="false" value=value data-testid=testid aria-label=label
                    on:change=move |ev| { let text = event_target_value(&ev); edit(Box::new(move |d| {
                        if let Some(m) = d.registry.models.get_mut(index) { write(m, text.trim().to_string()); }
                    })) } />
            </td>
        }
    };
    let local = model.provider == Provider::ThisDevice;
    view! {
        <tr data-testid="registry-row" data-model=model.id.clone()>
            <th scope="row">{model.id.clone()}<br /><span class="small muted">{model.provider.label()}</span></th>
            {(!local).then(|| view! {
                {text(model.base_url.clone(), "registry-base-url", "Base URL", |m, v| m.base_url = v)}
                {text(model.api_model.clone(), "registry-api-model", "The provider's name for the model", |m, v| m.api_model = v)}
            })}
            {local.then(|| view! { <td colspan="2" class="small muted">"runs in this tab"</td> })}
            <td>
                <input type="text" value=strengths aria-label="Strengths, comma-separated kinds"
                    on:change=move |ev| { let text = event_target_value(&ev); edit(Box::new(move |d| {
                        if let Some(m) = d.registry.models.get_mut(index) {
                            m.strengths = text.split(',').filter_map(|k| TaskKind::from_name(k.trim())).collect();
                        }
                    })) } />
            </td>
            // Stored per 1,000 tokens in micro-dollars; shown per million tokens in dollars.
            {number(model.input_micros_per_1k, 1_000.0, |m, v| m.input_micros_per_1k = v)}
            {number(model.output_micros_per_1k, 1_000.0, |m, v| m.output_micros_per_1k = v)}
            {number(u64::from(model.context_tokens), 1.0, |m, v| m.context_tokens = u32::try_from(v).unwrap_or(u32::MAX))}
            {number(u64::from(model.latency_ms), 1.0, |m, v| m.latency_ms = u32::try_from(v).unwrap_or(u32::MAX))}
            <td>
                {(model.provider == Provider::Compatible).then(|| view! {
                    <button type="button" class="secondary" data-testid="registry-remove"
                        on:click=move |_| edit(Box::new(move |d| { if index < d.registry.models.len() { d.registry.models.remove(index); } }))>
                        "Remove"
                    </button>
                })}
            </td>
        </tr>
    }
}
