//! Copying text to the clipboard with a short-lived note for the user ("Copied", or why not).

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// How long the note stays.
const NOTE_MS: u32 = 2_500;

/// Copies `text`; sets `note` to the outcome, then clears it.
pub fn copy(text: &str, note: RwSignal<Option<&'static str>>) {
    let Some(window) = web_sys::window() else { return };
    let promise = window.navigator().clipboard().write_text(text);
    leptos::task::spawn_local(async move {
        let outcome =
            if JsFuture::from(promise).await.is_ok() { "Copied" } else { "Copy failed: select the text instead" };
        note.set(Some(outcome));
        gloo_timers::future::TimeoutFuture::new(NOTE_MS).await;
        note.set(None);
    });
}
