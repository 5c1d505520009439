//! The swarm this tab belongs to: its genesis event, kept in IndexedDB under `genesis` and learnt
//! once from `GET /genesis` on the page's origin (the relay that founded the swarm).
//!
//! Owns fetching, admitting and storing the genesis. A tab that has its genesis never asks the
//! network for it again: it stays in that swarm whatever a relay serves later. Never replaces a
//! stored genesis; one that cannot be read is kept under another key.

use std::fmt;

use amorph_core::events::{Event, SignedEvent};
use amorph_core::wire::EventId;
use js_sys::Uint8Array;
use leptos::prelude::Set;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCache, RequestInit, Response};

use crate::storage::Storage;
use crate::swarm::now_ms;
use crate::ui_state::{SwarmView, Ui};

const KEY_GENESIS: &str = "genesis";
const KEY_UNREADABLE_GENESIS: &str = "genesis-unreadable";
const PATH: &str = "/genesis";
const FIRST_RETRY_MS: u32 = 1_000;
const MAX_RETRY_MS: u32 = 10_000;

/// Why the relay's genesis could not be had.
#[derive(Debug, Clone)]
pub enum GenesisError {
    /// No answer (the relay is down or the network is).
    Unreachable(String),
    /// An answer, but not a 200.
    Status(u16),
    /// Bytes that are not a genesis.
    Invalid(String),
}

impl fmt::Display for GenesisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenesisError::Unreachable(why) => write!(f, "the relay does not answer ({why})"),
            GenesisError::Status(code) => write!(f, "the relay answered {PATH} with HTTP {code}"),
            GenesisError::Invalid(why) => write!(f, "the relay's {PATH} is not a swarm genesis ({why})"),
        }
    }
}

/// The swarm's name, from its genesis.
pub fn swarm_name(genesis: &SignedEvent) -> &str {
    match &genesis.event {
        Event::Genesis(rules) => &rules.name,
        _ => "",
    }
}

/// The first 8 hex digits of a genesis id: enough to tell swarms apart on screen.
pub fn short_id(id: &EventId) -> String {
    id.to_hex()[..8].to_string()
}

/// What the user reads when the relay serves `served` instead of this tab's genesis `ours`.
pub fn other_swarm_message(ours: &SignedEvent, served: &Result<SignedEvent, GenesisError>) -> String {
    let theirs = match served {
        Ok(theirs) => format!("serves another swarm (\"{}\", {})", swarm_name(theirs), short_id(&theirs.id)),
        Err(e) => format!("cannot be checked: {e}"),
    };
    format!(
        "This relay {theirs}; this tab stays in its own swarm (\"{}\", {}) and does not join through it. \
         Peers already connected keep syncing; open a relay of this swarm to meet new ones.",
        swarm_name(ours),
        short_id(&ours.id)
    )
}

/// Admits `bytes` as a genesis: a valid signed event of kind genesis that names no swarm.
pub fn admit(bytes: &[u8]) -> Result<SignedEvent, GenesisError> {
    let event = SignedEvent::admit(bytes, now_ms()).map_err(|e| GenesisError::Invalid(e.to_string()))?;
    if !matches!(event.event, Event::Genesis(_)) || event.envelope.swarm != EventId::NONE {
        return Err(GenesisError::Invalid(format!("a {} event", event.event.kind_name())));
    }
    Ok(event)
}

/// `GET` the genesis at `address` (this page's `/genesis`, or another relay's), admitted. Never served from the HTTP cache.
pub async fn fetch_from_relay(address: &str) -> Result<SignedEvent, GenesisError> {
    let unreachable = |e: JsValue| GenesisError::Unreachable(js_message(&e));
    let window = web_sys::window().ok_or_else(|| GenesisError::Unreachable("no window".into()))?;
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    let response = JsFuture::from(window.fetch_with_str_and_init(address, &init)).await.map_err(unreachable)?;
    let response: Response = response.dyn_into().map_err(unreachable)?;
    if !response.ok() {
        return Err(GenesisError::Status(response.status()));
    }
    let body = JsFuture::from(response.array_buffer().map_err(unreachable)?).await.map_err(unreachable)?;
    admit(&Uint8Array::new(&body).to_vec())
}

/// The message of a JavaScript error (a failed `fetch` rejects with a `TypeError`), without its stack.
fn js_message(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => error.as_string().unwrap_or_else(|| "unknown error".into()),
    }
}

/// This tab's genesis: the stored one, else the relay's (retried with backoff until it answers,
/// the wait shown in `ui.swarm_problem`), then stored. Sets `ui.swarm`.
pub async fn load(storage: Option<&Storage>, ui: Ui) -> SignedEvent {
    let genesis = match load_stored(storage, ui).await {
        Some(genesis) => genesis,
        None => {
            let genesis = fetch_with_retries(ui).await;
            if let Some(storage) = storage {
                if let Err(e) = storage.save(KEY_GENESIS, &genesis.encode()).await {
                    ui.problem.set(Some(format!("{e}; this tab learns its swarm from the relay again next time")));
                }
            }
            genesis
        }
    };
    ui.swarm.set(Some(SwarmView { name: swarm_name(&genesis).to_string(), genesis: genesis.id }));
    genesis
}

async fn load_stored(storage: Option<&Storage>, ui: Ui) -> Option<SignedEvent> {
    let storage = storage?;
    let bytes = match storage.load(KEY_GENESIS).await {
        Ok(bytes) => bytes?,
        Err(e) => {
            ui.problem.set(Some(format!("{e}; this tab asks the relay which swarm to join")));
            return None;
        }
    };
    match admit(&bytes) {
        Ok(genesis) => Some(genesis),
        Err(e) => {
            let kept = storage.save(KEY_UNREADABLE_GENESIS, &bytes).await.is_ok();
            let where_kept =
                if kept { format!("kept under \"{KEY_UNREADABLE_GENESIS}\"") } else { "could not be kept".into() };
            ui.problem.set(Some(format!(
                "the stored swarm genesis is unreadable ({e}); this tab joins the relay's swarm \
                 (the old bytes {where_kept})"
            )));
            None
        }
    }
}

async fn fetch_with_retries(ui: Ui) -> SignedEvent {
    let mut wait = FIRST_RETRY_MS;
    loop {
        match fetch_from_relay(PATH).await {
            Ok(genesis) => {
                ui.swarm_problem.set(None);
                return genesis;
            }
            Err(e) => {
                ui.swarm_problem.set(Some(format!(
                    "Cannot learn which swarm to join: {e}. Is the relay running? Retrying in {} s.",
                    wait / 1_000
                )));
                gloo_timers::future::TimeoutFuture::new(wait).await;
                wait = (wait * 2).min(MAX_RETRY_MS);
            }
        }
    }
}
