//! Connected peers: every did:key with an open data channel, and the sync counters.

use leptos::prelude::*;

use crate::ui_state::Ui;

#[component]
pub fn PeerList() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <section class="card peers-card" aria-labelledby="peers-heading">
            <h2 id="peers-heading">"Connected peers"</h2>
            <ul class="peer-list" data-testid="peer-list">
                <For each=move || ui.peers.get() key=|peer| *peer let(peer)>
                    <li data-testid="peer-item" data-did=peer.to_did() title=peer.to_did()>
                        <span class="dot online" aria-hidden="true"></span>
                        <code>{peer.short()}</code>
                    </li>
                </For>
            </ul>
            <Show when=move || ui.peers.with(|p| p.is_empty())>
                <p class="muted small">"No peers yet. Open this page in another tab or on another device."</p>
            </Show>
            <p class="sync-stats small">
                "Events stored: " <strong>{move || ui.store.get().events}</strong> " · Rejected inbound: "
                <strong data-testid="rejected-count">{move || ui.store.get().rejected}</strong>
            </p>
        </section>
    }
}
