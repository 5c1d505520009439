//! The user's own API keys, one field per cloud provider: entered here, sealed in the vault
//! (encrypted in IndexedDB), never shown again. The settings remember only which providers have a
//! key, so that the router can plan without decrypting anything.

use amorph_core::router::Provider;
use leptos::prelude::*;

use crate::coordinator::Coordinator;

/// Longest key accepted; real keys are well under 256 characters.
const MAX_KEY_CHARS: usize = 1024;

#[component]
pub fn ApiKeys(providers: &'static [Provider]) -> impl IntoView {
    view! {
        <fieldset data-testid="api-keys">
            <legend>"API keys (stored encrypted on this device; each goes only to the addresses its models had when it was stored)"</legend>
            {providers.iter().map(|provider| view! { <KeyField provider=*provider /> }).collect_view()}
        </fieldset>
    }
}

#[component]
fn KeyField(provider: Provider) -> impl IntoView {
    let coordinator = expect_context::<Coordinator>();
    let name = provider.name();
    let typed = RwSignal::new(String::new());
    let note = RwSignal::new(None::<Result<String, String>>);
    let stored = move || coordinator.settings.with(|s| s.keys.contains(&provider));
    let store = move |key: Option<String>| {
        leptos::task::spawn_local(async move {
            let outcome = coordinator.store_key(provider, key.as_deref()).await.map(|stored| {
                typed.set(String::new());
                match stored {
                    Some(origins) => format!("Key stored, encrypted; it goes only to {}.", origins.join(", ")),
                    None => "Key removed.".to_string(),
                }
            });
            note.set(Some(outcome));
        });
    };
    let save = move |_| {
        let key = typed.get_untracked().trim().to_string();
        if key.is_empty() {
            note.set(Some(Err("type the key first".into())));
        } else if key.chars().count() > MAX_KEY_CHARS || key.chars().any(char::is_control) {
            note.set(Some(Err(format!("that is not an API key (at most {MAX_KEY_CHARS} characters, one line)"))));
        } else {
            store(Some(key));
        }
    };
    view! {
        <div class="key-row">
            <label class="field">
                <span>{if provider.needs_key() { format!("{} API key", provider.label()) } else { "Your server's API key (optional)".to_string() }}</span>
                <input type="password" autocomplete="off" spellcheck="false" data-testid=format!("api-key-{name}")
                    placeholder=move || if stored() { "a key is stored; type a new one to replace it" } else { "not set" }
                    prop:value=move || typed.get()
                    on:input=move |ev| typed.set(event_target_value(&ev)) />
            </label>
            <button type="button" class="secondary" data-testid=format!("api-key-save-{name}") on:click=save>"Save key"</button>
            <button type="button" class="secondary" data-testid=format!("api-key-remove-{name}")
                disabled=move || !stored() on:click=move |_| store(None)>"Remove"</button>
            <span class="small" data-testid=format!("api-key-state-{name}") data-stored=move || stored().to_string()>
                {move || match note.get() {
                    Some(Ok(text)) | Some(Err(text)) => text,
                    None if stored() => "stored, encrypted".to_string(),
                    None => String::new(),
                }}
            </span>
        </div>
    }
}
