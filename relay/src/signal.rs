//! The `/signal` WebSocket: a thin adapter that feeds socket events into the core `Directory` and
//! carries its outputs back to the sockets. Binary frames are sync messages: once the directory
//! admits one, the archive's store handles it; replies go back, forwards go to every other tab.
//! A newcomer's welcome may bring a welcome grant (see `grants`), sent to the other joined tabs.
//!
//! Owns the one `Directory` (behind a mutex, never held across an await), the clock it is driven
//! with, the nonces it is given, and one outbound queue per socket (bounded in bytes, `outbox`). Makes no protocol
//! decision of its own. Logs frame sizes and kinds only, never SDP text, signatures or events.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use amorph_core::identity::{Identity, PeerId};
use amorph_core::signal::{
    ConnId, Counters, Directory, DirectoryLimits, ErrorCode, Output, RelayMessage, SignalPayload,
};
use amorph_core::store::compaction::CompactionError;
use amorph_core::store::MAX_SYNC_MESSAGE_BYTES;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::archive::{self, SharedArchive};
use crate::grants::{self, Faucet};
use crate::outbox::{self, Inbox, Outbound, Outbox, MAX_QUEUED_BYTES};

struct Inner {
    directory: Directory,
    sockets: HashMap<ConnId, Socket>,
    /// Locked only while `inner` is (never the other way round), so the two cannot deadlock.
    archive: SharedArchive,
    /// `None` when the relay grants nothing (`--grant-newcomers 0`).
    faucet: Option<Faucet>,
}

/// One open socket: its outbound queue and the address it connected from.
struct Socket {
    outbox: Outbox,
    ip: IpAddr,
}

/// The archive's numbers, for `/health`.
pub struct ArchiveCounts {
    pub events: usize,
    pub sync_refused: u64,
    pub checkpoints_refused: u64,
    pub compacted_through_ms: Option<u64>,
}

/// What one compaction did, for its log line.
#[derive(Debug)]
pub struct Compacted {
    /// Events in the archive before and after.
    pub before: usize,
    pub after: usize,
    pub horizon_ms: u64,
    pub checkpoint: [u8; 32],
    /// Binary frames sent to each joined tab, and how many tabs.
    pub messages: usize,
    pub tabs: usize,
}

/// Shared by every connection task and the health endpoint.
pub struct Hub {
    inner: Mutex<Inner>,
    started: Instant,
    next_conn: AtomicU64,
    shutdown: watch::Receiver<bool>,
}

impl Hub {
    /// `shutdown` turning true makes every open socket close with "going away".
    pub fn new(
        limits: DirectoryLimits,
        archive: SharedArchive,
        faucet: Option<Faucet>,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let directory = Directory::new(limits);
        Hub {
            inner: Mutex::new(Inner { directory, sockets: HashMap::new(), archive, faucet }),
            started: Instant::now(),
            next_conn: AtomicU64::new(1),
            shutdown,
        }
    }

    pub fn uptime_s(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    pub fn counters(&self) -> Counters {
        self.lock().directory.counters()
    }

    /// The archive's numbers for `/health`.
    pub fn archive_counts(&self) -> ArchiveCounts {
        let inner = self.lock();
        let archive = archive::lock(&inner.archive);
        ArchiveCounts {
            events: archive.len(),
            sync_refused: archive.rejected_total(),
            checkpoints_refused: archive.checkpoints_refused(),
            compacted_through_ms: archive.compacted_through_ms(),
        }
    }

    /// Compacts the archive as `issuer` and sends the `Compacted` event and the checkpoint's parts
    /// to every joined tab, with the hub locked so no sync message of a tab comes in between.
    /// Blocks while the archive folds its history: call it off the async workers.
    pub fn compact(&self, issuer: &Identity, now_ms: u64) -> Result<Option<Compacted>, CompactionError> {
        let mut inner = self.lock();
        let mut archive = archive::lock(&inner.archive);
        let before = archive.len();
        let Some(compaction) = archive.compact(issuer, now_ms)? else { return Ok(None) };
        let done = Compacted {
            before,
            after: archive.len(),
            horizon_ms: archive.compacted_through_ms().unwrap_or_default(),
            checkpoint: archive.checkpoint_id().unwrap_or_default(),
            messages: compaction.messages.len(),
            tabs: 0,
        };
        drop(archive);
        let tabs = inner.broadcast(&compaction.messages);
        Ok(Some(Compacted { tabs, ..done }))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn connect(&self, addr: IpAddr) -> Result<(ConnId, Inbox), getrandom::Error> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce)?;
        let conn = ConnId(self.next_conn.fetch_add(1, Ordering::Relaxed));
        let (outbox, inbox) = outbox::channel(MAX_QUEUED_BYTES);
        let mut inner = self.lock();
        inner.sockets.insert(conn, Socket { outbox, ip: addr });
        inner.directory.handle_connect(conn, addr, nonce, self.now_ms());
        inner.flush();
        Ok((conn, inbox))
    }

    fn frame(&self, conn: ConnId, text: &str) {
        debug!(conn = conn.0, bytes = text.len(), "frame in");
        let now_ms = self.now_ms();
        let mut inner = self.lock();
        inner.directory.handle_frame(conn, text, now_ms);
        inner.flush();
    }

    /// A sync message from `conn`, for the archive once the directory admits it.
    fn binary(&self, conn: ConnId, bytes: &[u8]) {
        debug!(conn = conn.0, bytes = bytes.len(), "sync frame in");
        let now_ms = self.now_ms();
        let mut inner = self.lock();
        let admitted = inner.directory.admit_binary(conn, bytes.len(), now_ms);
        inner.flush();
        let Ok(peer) = admitted else { return };
        let outcome = archive::lock(&inner.archive).handle(peer, bytes, crate::now_ms());
        if let Some(error) = &outcome.error {
            info!(conn = conn.0, rejected = outcome.rejected, %error, "sync data refused");
        }
        for reply in outcome.replies {
            inner.queue(conn, Outbound::Binary(reply));
        }
        let others: Vec<ConnId> = inner.directory.joined_connections().map(|(_, c)| c).filter(|c| *c != conn).collect();
        for message in &outcome.forward {
            for other in &others {
                inner.queue(*other, Outbound::Binary(message.clone()));
            }
        }
    }

    fn disconnect(&self, conn: ConnId) {
        let mut inner = self.lock();
        inner.sockets.remove(&conn);
        inner.directory.handle_disconnect(conn);
        inner.flush();
    }
}

impl Inner {
    /// Drains the directory's outputs into the socket queues.
    fn flush(&mut self) {
        while let Some(output) = self.directory.poll_output() {
            match output {
                Output::Send { conn, message } => {
                    log_outgoing(conn, &message);
                    let text = match serde_json::to_string(&message) {
                        Ok(text) => text,
                        Err(error) => {
                            warn!(conn = conn.0, %error, "could not encode a relay message; dropped");
                            continue;
                        }
                    };
                    self.queue(conn, Outbound::Frame(text));
                    if let RelayMessage::Welcome { you, .. } = &message {
                        // A joined tab syncs with the archive first: it answers with what we lack.
                        let step1 = archive::lock(&self.archive).sync_step1();
                        self.queue(conn, Outbound::Binary(step1));
                        if let Ok(peer) = PeerId::from_did(you) {
                            self.welcome_grant(conn, peer);
                        }
                    }
                }
                Output::Close { conn, code } => {
                    info!(conn = conn.0, code = code_name(code), "closing connection");
                    if let Some(socket) = self.sockets.remove(&conn) {
                        // A full queue is fine: dropping the sender ends the socket after what is queued.
                        let _ = socket.outbox.push(Outbound::Close(code));
                    }
                }
            }
        }
    }
}

impl Inner {
    /// Grants the newcomer `peer` on `conn` its welcome credits if due, and sends the grant to
    /// every other joined tab. The newcomer gets it in the sync step 2 it asks for right after the
    /// welcome: the update alone would depend on the archive's earlier entries, which it lacks
    /// until then, and the same entry arriving again in the step 2 would count as a refusal.
    fn welcome_grant(&mut self, conn: ConnId, peer: PeerId) {
        let (Some(faucet), Some(socket)) = (self.faucet.as_mut(), self.sockets.get(&conn)) else { return };
        let mut archive = archive::lock(&self.archive);
        let Some(update) = grants::welcome(faucet, &mut archive, peer, socket.ip, crate::now_ms()) else { return };
        drop(archive);
        let others: Vec<ConnId> = self.directory.joined_connections().map(|(_, c)| c).filter(|c| *c != conn).collect();
        for other in others {
            self.queue(other, Outbound::Binary(update.clone()));
        }
    }

    /// Queues `messages` as binary frames for every joined tab; returns how many tabs.
    fn broadcast(&mut self, messages: &[Vec<u8>]) -> usize {
        let joined: Vec<ConnId> = self.directory.joined_connections().map(|(_, c)| c).collect();
        for conn in &joined {
            for message in messages {
                self.queue(*conn, Outbound::Binary(message.clone()));
            }
        }
        joined.len()
    }

    /// Queues a frame for `conn`; a socket whose queue is full is too slow and is dropped.
    fn queue(&mut self, conn: ConnId, frame: Outbound) {
        let Some(socket) = self.sockets.get(&conn) else { return };
        if socket.outbox.push(frame).is_err() {
            warn!(conn = conn.0, max_bytes = MAX_QUEUED_BYTES, "socket too slow to read its frames; dropping it");
            self.sockets.remove(&conn);
            self.directory.handle_disconnect(conn);
        }
    }
}

fn log_outgoing(conn: ConnId, message: &RelayMessage) {
    match message {
        RelayMessage::Challenge { .. } => debug!(conn = conn.0, "challenge sent"),
        RelayMessage::Welcome { you, peers } => info!(conn = conn.0, peer = %you, offered = peers.len(), "joined"),
        RelayMessage::Signal { payload, .. } => {
            let (kind, bytes) = match payload {
                SignalPayload::Offer { sdp } => ("offer", sdp.len()),
                SignalPayload::Answer { sdp } => ("answer", sdp.len()),
                SignalPayload::Candidate { candidate, .. } => ("candidate", candidate.len()),
            };
            debug!(to = conn.0, kind, bytes, "signal forwarded");
        }
        RelayMessage::Error { code, .. } => info!(conn = conn.0, code = code_name(*code), "refused"),
    }
}

fn code_name(code: ErrorCode) -> String {
    serde_json::to_value(code).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The WebSocket close code that goes with a directory close.
fn close_code_for(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::TooLarge => close_code::SIZE,
        ErrorCode::TooManyConnections | ErrorCode::RelayFull => close_code::AGAIN,
        ErrorCode::Replaced => close_code::NORMAL,
        _ => close_code::POLICY,
    }
}

/// `GET /signal`: upgrades and runs one connection.
pub async fn upgrade(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let max_frame_bytes = hub.lock().directory.limits().max_frame_bytes;
    // Frames a little over the limit (text or binary) reach the directory and get a `too_large`
    // reply; far larger ones are cut off by the WebSocket layer (close code 1009) before they are buffered.
    let cap = max_frame_bytes.saturating_mul(4).max(MAX_SYNC_MESSAGE_BYTES + 64 * 1024);
    upgrade.max_message_size(cap).max_frame_size(cap).on_upgrade(move |socket| run(hub, socket, remote))
}

async fn run(hub: Arc<Hub>, mut socket: WebSocket, remote: SocketAddr) {
    let (conn, mut outbound) = match hub.connect(remote.ip().to_canonical()) {
        Ok(connected) => connected,
        Err(error) => {
            warn!(%remote, %error, "no randomness for a challenge nonce; refusing the connection");
            let _ = socket.send(close(close_code::ERROR, "relay has no randomness")).await;
            return;
        }
    };
    info!(conn = conn.0, %remote, "connected");
    let mut shutdown = hub.shutdown.clone();
    let reason = loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => hub.frame(conn, text.as_str()),
                Some(Ok(Message::Binary(bytes))) => hub.binary(conn, &bytes),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_))) | None => break "peer closed",
                Some(Err(error)) => {
                    debug!(conn = conn.0, %error, "socket error");
                    break "socket error";
                }
            },
            next = outbound.next() => match next {
                Some(Outbound::Frame(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break "send failed";
                    }
                }
                Some(Outbound::Binary(bytes)) => {
                    if socket.send(Message::Binary(bytes.into())).await.is_err() {
                        break "send failed";
                    }
                }
                Some(Outbound::Close(code)) => {
                    let _ = socket.send(close(close_code_for(code), &code_name(code))).await;
                    break "closed by relay";
                }
                None => {
                    let _ = socket.send(close(close_code::POLICY, "too slow")).await;
                    break "dropped by relay";
                }
            },
            // Also fires when the shutdown sender is gone: either way the relay is stopping.
            _ = shutdown.changed() => {
                let _ = socket.send(close(close_code::AWAY, "relay shutting down")).await;
                break "relay shutting down";
            }
        }
    };
    hub.disconnect(conn);
    info!(conn = conn.0, reason, "disconnected");
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from(reason) }))
}
