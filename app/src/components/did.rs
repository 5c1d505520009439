//! An identity shown short (`did:key:z6Mk…abcd`), with the full did:key in `title` and `data-did`.

use amorph_core::identity::PeerId;
use leptos::prelude::*;

#[component]
pub fn Did(peer: PeerId, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let did = peer.to_did();
    let testid = (!testid.is_empty()).then_some(testid);
    view! { <code data-testid=testid data-did=did.clone() title=did>{peer.short()}</code> }
}
