//! Relay client: the WebSocket to a relay's `/signal`, the join handshake, and reconnection with
//! backoff (1 s doubling to 5 s) for as long as the page lives. Given several relays (an invite's,
//! then this page's origin), it tries the next one after each connection that ends or fails.
//!
//! Before every connection it checks that the relay serves this tab's swarm (`GET /genesis` on the
//! relay's host); a relay of another swarm is never joined, only reported. Owns the socket and its lifecycle.
//! Knows nothing of WebRTC: it hands relay messages to its listener and sends what it is given.
//! Binary frames are sync messages with the relay's archive; it passes them on without reading
//! them. Data channels do not depend on it staying up.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use amorph_core::events::SignedEvent;
use amorph_core::identity::{Identity, PeerId};
use amorph_core::signal::messages::MAX_SIGNAL_FRAME_BYTES;
use amorph_core::signal::{join_proof_bytes, ClientMessage, ErrorCode, RelayMessage, SignalPayload};
use amorph_core::store::MAX_SYNC_MESSAGE_BYTES;
use amorph_core::wire::EventId;
use futures::channel::oneshot;
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use crate::genesis::{self, GenesisError};

const FIRST_BACKOFF_MS: u32 = 1_000;
const MAX_BACKOFF_MS: u32 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayState {
    Connecting,
    Connected,
    Down,
    /// The relay serves another swarm (or no valid genesis): not joined.
    OtherSwarm,
}

/// What the relay client tells its listener.
#[derive(Debug, Clone)]
pub enum RelayEvent {
    State(RelayState),
    /// The relay (its signal URL) the client is trying now.
    Trying(String),
    /// Joined; these peers are worth connecting to.
    Welcome(Vec<PeerId>),
    Signal {
        from: PeerId,
        payload: SignalPayload,
    },
    /// A sync message from the relay's archive (after the welcome).
    Sync(Vec<u8>),
    /// The relay refused something; the message is for the user.
    Refused {
        code: ErrorCode,
        message: String,
    },
    /// The relay's `/genesis` is not this tab's: what it serves instead, for the user.
    OtherSwarm(Box<Result<SignedEvent, GenesisError>>),
}

pub type Listener = Rc<dyn Fn(RelayEvent)>;

/// A handle to the running client; cheap to clone.
#[derive(Clone)]
pub struct RelayClient {
    current: Rc<RefCell<Option<WebSocket>>>,
    joined: Rc<Cell<bool>>,
}

/// The `GET /genesis` address of the relay whose signal URL is `signal` (same host, http or https).
pub fn genesis_url(signal: &str) -> Option<String> {
    let (scheme, rest) = match signal.split_once("://")? {
        ("ws", rest) => ("http", rest),
        ("wss", rest) => ("https", rest),
        _ => return None,
    };
    let host = rest.split(['/', '?', '#']).next().filter(|host| !host.is_empty())?;
    Some(format!("{scheme}://{host}/genesis"))
}

/// `ws://` or `wss://` of this page's host, path `/signal`.
pub fn signal_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" { "wss" } else { "ws" };
    Some(format!("{scheme}://{}/signal", location.host().ok()?))
}

impl RelayClient {
    /// Starts connecting now and keeps reconnecting forever, to relays of the swarm `swarm` only,
    /// taking `urls` (signal URLs) in turn.
    pub fn start(urls: Vec<String>, identity: Identity, swarm: EventId, listener: Listener) -> RelayClient {
        let client = RelayClient { current: Rc::new(RefCell::new(None)), joined: Rc::new(Cell::new(false)) };
        let handle = client.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut backoff = FIRST_BACKOFF_MS;
            for url in urls.iter().cycle() {
                listener(RelayEvent::Trying(url.clone()));
                let served = match genesis_url(url) {
                    Some(address) => genesis::fetch_from_relay(&address).await,
                    None => Err(GenesisError::Unreachable(format!("{url} is not a relay address"))),
                };
                let (welcomed, after) = match served {
                    Ok(served) if served.id == swarm => {
                        listener(RelayEvent::State(RelayState::Connecting));
                        (handle.run_once(url, &identity, &listener).await, RelayState::Down)
                    }
                    // No answer, or an error page: the relay is down, like a socket that does not open.
                    Err(GenesisError::Unreachable(_) | GenesisError::Status(_)) => (false, RelayState::Down),
                    other => {
                        listener(RelayEvent::OtherSwarm(Box::new(other)));
                        (false, RelayState::OtherSwarm)
                    }
                };
                handle.joined.set(false);
                listener(RelayEvent::State(after));
                if welcomed {
                    backoff = FIRST_BACKOFF_MS;
                }
                gloo_timers::future::TimeoutFuture::new(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF_MS);
            }
        });
        client
    }

    /// Whether the relay has welcomed us on the current connection.
    pub fn is_joined(&self) -> bool {
        self.joined.get()
    }

    /// Sends a frame if joined; returns whether it went out.
    pub fn send(&self, message: &ClientMessage) -> bool {
        if !self.joined.get() {
            return false;
        }
        let current = self.current.borrow();
        let Some(socket) = current.as_ref() else { return false };
        match serde_json::to_string(message) {
            Ok(text) => socket.send_with_str(&text).is_ok(),
            Err(_) => false,
        }
    }

    /// Sends a sync message (binary frame) to the relay's archive if joined; returns whether it went out.
    pub fn send_sync(&self, bytes: &[u8]) -> bool {
        if !self.joined.get() {
            return false;
        }
        let current = self.current.borrow();
        current.as_ref().is_some_and(|socket| socket.send_with_u8_array(bytes).is_ok())
    }

    /// One connection, from open to close. Returns whether the relay welcomed us.
    async fn run_once(&self, url: &str, identity: &Identity, listener: &Listener) -> bool {
        let Ok(socket) = WebSocket::new(url) else {
            return false;
        };
        let (closed_tx, closed_rx) = oneshot::channel::<()>();
        let closed_tx = Rc::new(RefCell::new(Some(closed_tx)));
        let welcomed = Rc::new(Cell::new(false));

        let on_message = {
            let socket = socket.clone();
            let identity = identity.clone();
            let listener = listener.clone();
            let welcomed = welcomed.clone();
            let joined = self.joined.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Some(buffer) = event.data().dyn_ref::<ArrayBuffer>() {
                    let fits = buffer.byte_length() as usize <= MAX_SYNC_MESSAGE_BYTES;
                    if joined.get() && fits {
                        listener(RelayEvent::Sync(Uint8Array::new(buffer).to_vec()));
                    }
                    return;
                }
                let Some(text) = event.data().as_string() else { return };
                if text.len() > MAX_SIGNAL_FRAME_BYTES {
                    return;
                }
                let Ok(message) = serde_json::from_str::<RelayMessage>(&text) else {
                    web_sys::console::warn_1(&"relay sent a frame this app does not understand".into());
                    return;
                };
                match message {
                    RelayMessage::Challenge { nonce } => {
                        let signature = hex::encode(identity.sign(&join_proof_bytes(&nonce)));
                        let join = ClientMessage::Join { peer: identity.peer_id().to_did(), signature };
                        if let Ok(text) = serde_json::to_string(&join) {
                            let _ = socket.send_with_str(&text);
                        }
                    }
                    RelayMessage::Welcome { you: _, peers } => {
                        welcomed.set(true);
                        joined.set(true);
                        listener(RelayEvent::State(RelayState::Connected));
                        let peers = peers.iter().filter_map(|did| PeerId::from_did(did).ok()).collect();
                        listener(RelayEvent::Welcome(peers));
                    }
                    RelayMessage::Signal { from, payload } => {
                        if let Ok(from) = PeerId::from_did(&from) {
                            listener(RelayEvent::Signal { from, payload });
                        }
                    }
                    RelayMessage::Error { code, message } => listener(RelayEvent::Refused { code, message }),
                }
            })
        };
        let on_close = {
            let closed_tx = closed_tx.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |_event: CloseEvent| {
                if let Some(tx) = closed_tx.borrow_mut().take() {
                    let _ = tx.send(());
                }
            })
        };
        socket.set_binary_type(BinaryType::Arraybuffer);
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.current.borrow_mut() = Some(socket.clone());

        let _ = closed_rx.await;

        socket.set_onmessage(None);
        socket.set_onclose(None);
        self.current.borrow_mut().take();
        drop((on_message, on_close));
        welcomed.get()
    }
}
