//! Invites: the link (and its QR code) that brings someone into this tab's swarm through the
//! relays it uses, and what became of the invite this page was opened with.

use leptos::prelude::*;
use qrcode::render::svg;
use qrcode::QrCode;

use crate::clipboard;
use crate::components::Did;
use crate::invitation::{self, Arrival};
use crate::ui_state::Ui;

/// Smallest side of the QR code, in CSS pixels.
const QR_PIXELS: u32 = 184;

#[component]
pub fn InvitePanel() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let copy_note = RwSignal::new(None::<&'static str>);
    let link = Memo::new(move |_| {
        let (me, swarm, relays) = (ui.me.get()?, ui.swarm.get()?, ui.relays.get());
        if relays.is_empty() {
            return None;
        }
        Some(invitation::link(swarm.genesis, me, &relays).map_err(|e| e.to_string()))
    });
    let copy = move |_| {
        if let Some(Ok(link)) = link.get_untracked() {
            clipboard::copy(&link, copy_note);
        }
    };
    view! {
        <section class="card invite-card" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite"</h2>
            {move || ui.arrival.get().map(arrival_view)}
            {move || match link.get() {
                None => view! { <p class="muted small">"The invite is ready once this tab knows its swarm and relay."</p> }.into_any(),
                Some(Err(why)) => view! { <p class="error small" data-testid="invite-problem">{why}</p> }.into_any(),
                Some(Ok(link)) => view! {
                    <p class="small">"Send this link, or let a phone scan the code: it opens Amorph in this swarm and links to this tab first."</p>
                    <div class="did-row">
                        <input class="invite-link" data-testid="invite-link" readonly aria-label="Invite link" prop:value=link.clone() />
                        <button type="button" class="secondary" data-testid="copy-invite" on:click=copy>"Copy"</button>
                    </div>
                    <div class="invite-qr" data-testid="invite-qr" role="img" aria-label="QR code of the invite link" inner_html=qr_svg(&link)></div>
                    <p class="muted small" aria-live="polite">{move || copy_note.get().unwrap_or("")}</p>
                }.into_any(),
            }}
        </section>
    }
}

fn arrival_view(arrival: Arrival) -> impl IntoView {
    match arrival {
        Arrival::Accepted { from, relays } => view! {
            <p class="small" data-testid="invite-arrival" data-from=from.to_did()>
                "Joined through an invite from " <Did peer=from /> " (" {relays} " relay" {if relays == 1 { "" } else { "s" }} " named)."
            </p>
        }.into_any(),
        Arrival::Unusable(why) => view! { <p class="error small" role="alert" data-testid="invite-arrival-problem">{why}</p> }.into_any(),
    }
}

/// The QR code of `link` as an SVG document, or nothing if the link does not fit a QR code.
fn qr_svg(link: &str) -> String {
    match QrCode::new(link.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color>()
            .min_dimensions(QR_PIXELS, QR_PIXELS)
            .dark_color(svg::Color("#111"))
            .light_color(svg::Color("#fff"))
            .build(),
        Err(_) => String::new(),
    }
}
