//! Status bar: the relay connection state and how many peers have an open channel.

use leptos::prelude::*;

use crate::ui_state::Ui;

#[component]
pub fn StatusBar() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let state = move || ui.relay_text();
    view! {
        <header class="status-bar">
            <div class="brand">
                <img src="/icon.svg" alt="" width="28" height="28" />
                <span class="brand-name">"Amorph"</span>
            </div>
            <div class="status-items" role="status" aria-live="polite">
                <span class="pill relay-pill" data-state=state>
                    <span class="dot" aria-hidden="true"></span>
                    <span class="sr-only">"Relay: "</span>
                    <span
                        data-testid="relay-status"
                        data-state=state
                        data-relay=move || ui.relay_url.get().unwrap_or_default()
                        title=move || ui.relay_note.get().or_else(|| ui.relay_url.get()).unwrap_or_default()
                    >
                        {state}
                    </span>
                </span>
                <span class="pill">
                    <span data-testid="peer-count">{move || ui.peers.with(|p| p.len())}</span>
                    {move || if ui.peers.with(|p| p.len()) == 1 { " peer" } else { " peers" }}
                </span>
            </div>
        </header>
    }
}
