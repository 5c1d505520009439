//! My identity: the short did:key (full one in `title`/`data-did`) and a Copy button, and the swarm
//! this tab belongs to: its name and short genesis id (full one in `title`/`data-genesis`).

use leptos::prelude::*;

use crate::clipboard;
use crate::genesis::short_id;
use crate::ui_state::Ui;

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
            <p class="muted small">
                {move || ui.slot.get().map(|s| format!("Tab slot {s}. ")).unwrap_or_default()}
                "Your key is stored unencrypted in this browser."
            </p>
        </section>
    }
}
