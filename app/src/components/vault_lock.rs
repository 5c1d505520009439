//! The vault's passphrase on the identity card: the Unlock form while this page lacks the
//! passphrase key, and setting, changing or removing the passphrase that protects every secret of
//! this browser (identities and API keys).

use leptos::prelude::*;

use crate::components::identity_backup::NoteLine;
use crate::ui_state::{SeedAtRest, Ui};
use crate::vault::{Vault, MAX_PASSPHRASE_CHARS, MIN_PASSPHRASE_CHARS};

/// One sentence on what is wrong with a new passphrase typed twice.
pub fn check_new_passphrase(typed: &str, again: &str) -> Result<(), String> {
    let length = typed.chars().count();
    if !(MIN_PASSPHRASE_CHARS..=MAX_PASSPHRASE_CHARS).contains(&length) {
        Err(format!("a passphrase needs {MIN_PASSPHRASE_CHARS} to {MAX_PASSPHRASE_CHARS} characters"))
    } else if typed != again {
        Err("the two passphrases differ; type the same one twice".into())
    } else {
        Ok(())
    }
}

#[component]
pub fn UnlockForm() -> impl IntoView {
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let note = RwSignal::new(None::<Result<String, String>>);
    let unlock = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = passphrase.get_untracked();
        busy.set(true);
        note.set(Some(Ok("Unlocking…".into())));
        leptos::task::spawn_local(async move {
            let outcome = match Vault::open().await {
                Ok(vault) => vault.unlock(&typed).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => {
                    passphrase.set(String::new());
                    note.set(None);
                }
                Err(e) => note.set(Some(Err(e.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="vault-unlock" data-testid="vault-unlock-form" on:submit=unlock>
            <p>"Your identity and API keys are locked with your passphrase."</p>
            <label class="field">
                <span>"Passphrase"</span>
                <input type="password" autocomplete="current-password" data-testid="vault-unlock-passphrase" autofocus=true
                    prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev)) />
            </label>
            <button type="submit" data-testid="vault-unlock" disabled=move || busy.get()>"Unlock"</button>
            <NoteLine note=note testid="vault-unlock-note" />
        </form>
    }
}

#[component]
pub fn PassphraseForm() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let passphrase = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let note = RwSignal::new(None::<Result<String, String>>);
    let has_passphrase = move || matches!(ui.seed_at_rest.get(), Some(SeedAtRest::Passphrase { .. }));
    let apply = move |new: Option<String>| {
        busy.set(true);
        note.set(Some(Ok("Re-encrypting every secret…".into())));
        leptos::task::spawn_local(async move {
            let outcome = match Vault::open().await {
                Ok(vault) => vault.set_passphrase(new.as_deref()).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) => {
                    passphrase.set(String::new());
                    repeat.set(String::new());
                    let now =
                        if new.is_some() { SeedAtRest::Passphrase { locked: false } } else { SeedAtRest::DeviceKey };
                    if matches!(
                        ui.seed_at_rest.get_untracked(),
                        Some(SeedAtRest::DeviceKey | SeedAtRest::Passphrase { .. })
                    ) {
                        ui.seed_at_rest.set(Some(now));
                    }
                    note.set(Some(Ok(if new.is_some() { "Passphrase set." } else { "Passphrase removed." }.into())));
                }
                Err(e) => note.set(Some(Err(e.to_string()))),
            }
            busy.set(false);
        });
    };
    let set = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (typed, again) = (passphrase.get_untracked(), repeat.get_untracked());
        match check_new_passphrase(&typed, &again) {
            Ok(()) => apply(Some(typed)),
            Err(problem) => note.set(Some(Err(problem))),
        }
    };
    view! {
        <details class="vault-passphrase" data-testid="vault-passphrase">
            <summary>{move || if has_passphrase() { "Change or remove the passphrase" } else { "Protect with a passphrase" }}</summary>
            <form on:submit=set>
                <p class="small muted">"Every secret in this browser (identities of all tabs, API keys) will need it once per visit. There is no way to recover a forgotten passphrase: export a backup first."</p>
                <label class="field">
                    <span>"New passphrase"</span>
                    <input type="password" autocomplete="new-password" data-testid="vault-passphrase-new"
                        prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    <span>"The same passphrase again"</span>
                    <input type="password" autocomplete="new-password" data-testid="vault-passphrase-repeat"
                        prop:value=move || repeat.get() on:input=move |ev| repeat.set(event_target_value(&ev)) />
                </label>
                <button type="submit" data-testid="vault-passphrase-set" disabled=move || busy.get()>"Set passphrase"</button>
                <button type="button" class="secondary" data-testid="vault-passphrase-remove"
                    disabled=move || busy.get() || !has_passphrase() on:click=move |_| apply(None)>"Remove passphrase"</button>
                <NoteLine note=note testid="vault-passphrase-note" />
            </form>
        </details>
    }
}
