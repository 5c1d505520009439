//! My identity: the short did:key (full one in `title`/`data-did`) and a Copy button, and the swarm
//! this tab belongs to: its name and short genesis id (full one in `title`/`data-genesis`); how the
//! key is kept in this browser, the Unlock form while it is locked, the passphrase, and backups.

use leptos::prelude::*;

use crate::clipboard;
use crate::components::identity_backup::IdentityBackup;
use crate::components::vault_lock::{PassphraseForm, UnlockForm};
use crate::genesis::short_id;
use crate::ui_state::{SeedAtRest, Ui};

#[component]
pub fn IdentityCard() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let copy_note = RwSignal::new(None::<&'static str>);
    let copy = move |_| {
        if let Some(me) = ui.me.get_untracked() {
            clipboard::copy(&me.to_did(), copy_note);
        }
    };
    view! {
        <section class="card identity-card" aria-labelledby="identity-heading">
            <h2 id="identity-heading">"My identity"</h2>
            {move || match ui.me.get() {
                Some(me) => {
                    let did = me.to_did();
                    view! {
                        <div class="did-row">
                            <code class="did" data-testid="my-did" data-did=did.clone() title=did>
                                {me.short()}
                            </code>
                            <button type="button" class="secondary" data-testid="copy-did" on:click=copy>
                                "Copy"
                            </button>
                        </div>
                    }
                        .into_any()
                }
                None if ui.seed_at_rest.get() == Some(SeedAtRest::Passphrase { locked: true }) => {
                    view! { <UnlockForm /> }.into_any()
                }
                None => view! { <p class="muted">"Loading identity…"</p> }.into_any(),
            }}
            {move || {
                ui.swarm.get().map(|swarm| {
                    let full = swarm.genesis.to_hex();
                    view! {
                        <p class="swarm-row small" data-testid="swarm-id" data-genesis=full.clone()>
                            "Swarm "
                            <strong data-testid="swarm-name">{swarm.name}</strong>
                            " · genesis "
                            <code title=full.clone()>{short_id(&swarm.genesis)}</code>
                        </p>
                    }
                })
            }}
            <p class="muted small" aria-live="polite">
                {move || copy_note.get().unwrap_or("")}
            </p>
            <p class="muted small" data-testid="identity-at-rest">
                {move || ui.slot.get().map(|s| format!("Tab slot {s}. ")).unwrap_or_default()}
                {move || ui.seed_at_rest.get().map(at_rest_sentence).unwrap_or_default()}
            </p>
            {move || {
                matches!(ui.seed_at_rest.get(), Some(SeedAtRest::DeviceKey | SeedAtRest::Passphrase { locked: false }))
                    .then(|| view! { <PassphraseForm /> <IdentityBackup /> })
            }}
        </section>
    }
}

fn at_rest_sentence(at_rest: SeedAtRest) -> String {
    match at_rest {
        SeedAtRest::DeviceKey => "Your key is stored encrypted (AES-GCM) under a key this page cannot export; \
            anyone who uses this browser profile can still use it, unless you set a passphrase."
            .into(),
        SeedAtRest::Passphrase { locked: false } => {
            "Your key is stored encrypted under your passphrase (PBKDF2, 600,000 rounds).".into()
        }
        SeedAtRest::Passphrase { locked: true } => {
            "Your key is encrypted under your passphrase: unlock to use it.".into()
        }
        SeedAtRest::Clear(why) => format!("Your key is stored unencrypted in this browser: {why}"),
        SeedAtRest::Temporary => "This identity is temporary: it is not stored, and a reload replaces it.".into(),
    }
}
