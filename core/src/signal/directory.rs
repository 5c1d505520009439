//! The relay protocol as a sans-IO state machine: who is connected, who has joined as which
//! did:key, and which frames go where.
//!
//! Inputs are `handle_connect`, `handle_frame` and `handle_disconnect`, each with the caller's
//! `now_ms`; after every input the caller drains `poll_output` and performs the sends and closes.
//! Never touches sockets, clocks or randomness: the relay passes the challenge nonce in.
//! Never reads a payload: signals are forwarded as they came. Binary frames (sync messages for
//! the relay's archive) are only admitted here (joined, size, rate); their bytes are the caller's.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;

use serde::Serialize;

use super::messages::{
    join_proof_bytes, ClientMessage, ErrorCode, RelayMessage, SignalPayload, MAX_SIGNAL_FRAME_BYTES,
};
use crate::identity::PeerId;
use crate::store::MAX_SYNC_MESSAGE_BYTES;

/// One transport connection (a WebSocket), numbered by the adapter. Never reuse a live id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// Every bound the directory enforces. All counts must be at least 1 to admit anyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryLimits {
    /// Largest accepted frame in bytes; a larger one gets `too_large` and the connection is closed.
    pub max_frame_bytes: usize,
    /// Open connections (joined or not) allowed from one IP address.
    pub max_connections_per_ip: usize,
    /// Token bucket refill rate, in frames per second per connection.
    pub frames_per_second: u32,
    /// Token bucket size: how many frames a connection may send in a burst.
    pub frame_burst: u32,
    /// Joined peers allowed in total; a join beyond it gets `relay_full` and a close.
    pub max_peers: usize,
    /// How many other peers a `Welcome` lists, most recently joined first.
    pub welcome_peers: usize,
}

impl Default for DirectoryLimits {
    fn default() -> Self {
        DirectoryLimits {
            max_frame_bytes: MAX_SIGNAL_FRAME_BYTES,
            max_connections_per_ip: 32,
            frames_per_second: 20,
            frame_burst: 60,
            max_peers: 10_000,
            welcome_peers: 8,
        }
    }
}

/// What the caller must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send this frame (as JSON text) on `conn`.
    Send { conn: ConnId, message: RelayMessage },
    /// Close `conn`; `code` says why. The directory has already forgotten it.
    Close { conn: ConnId, code: ErrorCode },
}

/// Errors the directory sent, by wire code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub bad_message: u64,
    pub too_large: u64,
    pub rate_limited: u64,
    pub bad_join: u64,
    pub not_joined: u64,
    pub unknown_peer: u64,
    pub too_many_connections: u64,
    pub replaced: u64,
    pub relay_full: u64,
}

impl Refused {
    fn slot(&mut self, code: ErrorCode) -> &mut u64 {
        match code {
            ErrorCode::BadMessage => &mut self.bad_message,
            ErrorCode::TooLarge => &mut self.too_large,
            ErrorCode::RateLimited => &mut self.rate_limited,
            ErrorCode::BadJoin => &mut self.bad_join,
            ErrorCode::NotJoined => &mut self.not_joined,
            ErrorCode::UnknownPeer => &mut self.unknown_peer,
            ErrorCode::TooManyConnections => &mut self.too_many_connections,
            ErrorCode::Replaced => &mut self.replaced,
            ErrorCode::RelayFull => &mut self.relay_full,
        }
    }
}

/// A snapshot for health checks and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counters {
    /// Open connections, joined or not.
    pub connections: usize,
    /// Connections that have joined as a did:key.
    pub peers: usize,
    pub refused: Refused,
}

/// Frames allowed per connection, counted in thousandths of a frame so refill stays exact.
#[derive(Debug)]
struct TokenBucket {
    milli_tokens: u64,
    last_ms: u64,
    /// Set once a dropped frame was answered with `rate_limited`, so a flood gets one reply.
    warned: bool,
}

impl TokenBucket {
    fn full(limits: &DirectoryLimits, now_ms: u64) -> Self {
        TokenBucket { milli_tokens: u64::from(limits.frame_burst) * 1000, last_ms: now_ms, warned: false }
    }

    /// Takes one frame's token if there is one.
    fn take(&mut self, limits: &DirectoryLimits, now_ms: u64) -> bool {
        let elapsed = now_ms.saturating_sub(self.last_ms);
        self.last_ms = self.last_ms.max(now_ms);
        let capacity = u64::from(limits.frame_burst) * 1000;
        let refill = elapsed.saturating_mul(u64::from(limits.frames_per_second));
        self.milli_tokens = self.milli_tokens.saturating_add(refill).min(capacity);
        if self.milli_tokens >= 1000 {
            self.milli_tokens -= 1000;
            self.warned = false;
            true
        } else {
            false
        }
    }
}

#[derive(Debug)]
struct Conn {
    addr: IpAddr,
    nonce: String,
    bucket: TokenBucket,
    /// The peer this connection joined as, and its place in join order.
    joined: Option<(PeerId, u64)>,
}

/// The relay's whole protocol state. See the module docs for how to drive it.
#[derive(Debug)]
pub struct Directory {
    limits: DirectoryLimits,
    conns: BTreeMap<ConnId, Conn>,
    per_ip: BTreeMap<IpAddr, usize>,
    peers: BTreeMap<PeerId, ConnId>,
    /// Joined peers by join sequence number, oldest first.
    join_order: BTreeMap<u64, PeerId>,
    next_join: u64,
    refused: Refused,
    out: VecDeque<Output>,
}

impl Directory {
    pub fn new(limits: DirectoryLimits) -> Self {
        Directory {
            limits,
            conns: BTreeMap::new(),
            per_ip: BTreeMap::new(),
            peers: BTreeMap::new(),
            join_order: BTreeMap::new(),
            next_join: 0,
            refused: Refused::default(),
            out: VecDeque::new(),
        }
    }

    pub fn limits(&self) -> &DirectoryLimits {
        &self.limits
    }

    /// A transport connection opened from `addr`; `nonce` must be fresh random bytes.
    pub fn handle_connect(&mut self, conn: ConnId, addr: IpAddr, nonce: [u8; 16], now_ms: u64) {
        self.forget(conn);
        let open = self.per_ip.get(&addr).copied().unwrap_or(0);
        if open >= self.limits.max_connections_per_ip {
            let message = format!(
                "{addr} already has {open} connections open (limit {}); close some tabs and retry",
                self.limits.max_connections_per_ip
            );
            self.refuse_and_close(conn, ErrorCode::TooManyConnections, message);
            return;
        }
        *self.per_ip.entry(addr).or_insert(0) += 1;
        let nonce = hex::encode(nonce);
        let bucket = TokenBucket::full(&self.limits, now_ms);
        self.conns.insert(conn, Conn { addr, nonce: nonce.clone(), bucket, joined: None });
        self.send(conn, RelayMessage::Challenge { nonce });
    }

    /// A text frame arrived on `conn`. Frames on unknown (closed) connections are ignored.
    pub fn handle_frame(&mut self, conn: ConnId, text: &str, now_ms: u64) {
        let limits = &self.limits;
        let Some(state) = self.conns.get_mut(&conn) else { return };
        if text.len() > limits.max_frame_bytes {
            let message = format!("frame of {} bytes exceeds the limit of {}", text.len(), limits.max_frame_bytes);
            self.refuse_and_close(conn, ErrorCode::TooLarge, message);
            return;
        }
        if !state.bucket.take(limits, now_ms) {
            return self.rate_limited(conn);
        }
        match serde_json::from_str::<ClientMessage>(text) {
            Ok(ClientMessage::Join { peer, signature }) => self.join(conn, &peer, &signature),
            Ok(ClientMessage::Signal { to, payload }) => self.signal(conn, &to, payload),
            Err(error) => self.refuse(conn, ErrorCode::BadMessage, format!("not a signaling frame: {error}")),
        }
    }

    /// A binary frame of `len` bytes arrived on `conn`: a sync message for the relay's archive.
    /// Returns the peer it came from when the caller may hand it to the store; otherwise the
    /// refusal (if any is due) is already queued in `poll_output` and the error says which.
    /// Binary frames share the text frames' token bucket; one over `MAX_SYNC_MESSAGE_BYTES` gets
    /// `too_large` and closes the connection, one before joining gets `not_joined`.
    pub fn admit_binary(&mut self, conn: ConnId, len: usize, now_ms: u64) -> Result<PeerId, ErrorCode> {
        let limits = &self.limits;
        let Some(state) = self.conns.get_mut(&conn) else { return Err(ErrorCode::NotJoined) };
        if len > MAX_SYNC_MESSAGE_BYTES {
            let message = format!("binary frame of {len} bytes exceeds the limit of {MAX_SYNC_MESSAGE_BYTES}");
            self.refuse_and_close(conn, ErrorCode::TooLarge, message);
            return Err(ErrorCode::TooLarge);
        }
        if !state.bucket.take(limits, now_ms) {
            self.rate_limited(conn);
            return Err(ErrorCode::RateLimited);
        }
        match state.joined {
            Some((peer, _)) => Ok(peer),
            None => {
                let message = "join before sending sync messages (answer the challenge with a join frame)";
                self.refuse(conn, ErrorCode::NotJoined, message.to_string());
                Err(ErrorCode::NotJoined)
            }
        }
    }

    /// The connections of joined peers, in no particular order.
    pub fn joined_connections(&self) -> impl Iterator<Item = (PeerId, ConnId)> + '_ {
        self.peers.iter().map(|(peer, conn)| (*peer, *conn))
    }

    /// The transport connection is gone. Unknown ids (already closed by the directory) are ignored.
    pub fn handle_disconnect(&mut self, conn: ConnId) {
        self.forget(conn);
    }

    /// The next thing to do; drain until `None` after every input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    pub fn counters(&self) -> Counters {
        Counters { connections: self.conns.len(), peers: self.peers.len(), refused: self.refused.clone() }
    }

    fn join(&mut self, conn: ConnId, did: &str, signature: &str) {
        let Some(state) = self.conns.get(&conn) else { return };
        if let Some((joined, _)) = state.joined {
            let message = format!("this connection already joined as {joined}; open a new one to change identity");
            return self.refuse(conn, ErrorCode::BadJoin, message);
        }
        let peer = match PeerId::from_did(did) {
            Ok(peer) => peer,
            Err(error) => return self.refuse(conn, ErrorCode::BadJoin, format!("bad peer: {error}")),
        };
        let signature: [u8; 64] = match hex::decode(signature).ok().and_then(|bytes| bytes.try_into().ok()) {
            Some(signature) => signature,
            None => {
                let message = "signature must be 128 hex characters (64 bytes of Ed25519 signature)".to_string();
                return self.refuse(conn, ErrorCode::BadJoin, message);
            }
        };
        if peer.verify(&join_proof_bytes(&state.nonce), &signature).is_err() {
            let message = "signature does not verify: sign join_proof_bytes(nonce) of this connection's challenge";
            return self.refuse(conn, ErrorCode::BadJoin, message.to_string());
        }
        match self.peers.get(&peer).copied() {
            Some(older) => {
                let message = format!("{} joined again on a newer connection", peer.short());
                self.refuse_and_close(older, ErrorCode::Replaced, message);
            }
            None if self.peers.len() >= self.limits.max_peers => {
                let message = format!("the relay already has {} peers; try again later", self.limits.max_peers);
                return self.refuse_and_close(conn, ErrorCode::RelayFull, message);
            }
            None => {}
        }
        let sequence = self.next_join;
        self.next_join += 1;
        if let Some(state) = self.conns.get_mut(&conn) {
            state.joined = Some((peer, sequence));
        }
        self.peers.insert(peer, conn);
        self.join_order.insert(sequence, peer);
        let peers = self
            .join_order
            .values()
            .rev()
            .filter(|other| **other != peer)
            .take(self.limits.welcome_peers)
            .map(PeerId::to_did)
            .collect();
        self.send(conn, RelayMessage::Welcome { you: peer.to_did(), peers });
    }

    fn signal(&mut self, conn: ConnId, to: &str, payload: SignalPayload) {
        let Some(from) = self.conns.get(&conn).and_then(|state| state.joined) else {
            let message = "join before sending signals (answer the challenge with a join frame)".to_string();
            return self.refuse(conn, ErrorCode::NotJoined, message);
        };
        let target = PeerId::from_did(to).ok().and_then(|peer| self.peers.get(&peer).copied());
        match target {
            Some(target) => self.send(target, RelayMessage::Signal { from: from.0.to_did(), payload }),
            None => self.refuse(conn, ErrorCode::UnknownPeer, format!("{to} is not joined to this relay")),
        }
    }

    /// A frame on `conn` found its token bucket empty: the first one in a row gets a reply.
    fn rate_limited(&mut self, conn: ConnId) {
        let Some(state) = self.conns.get_mut(&conn) else { return };
        if std::mem::replace(&mut state.bucket.warned, true) {
            *self.refused.slot(ErrorCode::RateLimited) += 1;
            return;
        }
        let message = format!(
            "more than {} frames per second (burst {}); frames are dropped until you slow down",
            self.limits.frames_per_second, self.limits.frame_burst
        );
        self.refuse(conn, ErrorCode::RateLimited, message);
    }

    /// Drops every trace of `conn`; no output.
    fn forget(&mut self, conn: ConnId) {
        let Some(state) = self.conns.remove(&conn) else { return };
        if let Some(open) = self.per_ip.get_mut(&state.addr) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                self.per_ip.remove(&state.addr);
            }
        }
        if let Some((peer, sequence)) = state.joined {
            self.join_order.remove(&sequence);
            if self.peers.get(&peer) == Some(&conn) {
                self.peers.remove(&peer);
            }
        }
    }

    fn send(&mut self, conn: ConnId, message: RelayMessage) {
        self.out.push_back(Output::Send { conn, message });
    }

    fn refuse(&mut self, conn: ConnId, code: ErrorCode, message: String) {
        *self.refused.slot(code) += 1;
        self.send(conn, RelayMessage::Error { code, message });
    }

    fn refuse_and_close(&mut self, conn: ConnId, code: ErrorCode, message: String) {
        self.refuse(conn, code, message);
        self.forget(conn);
        self.out.push_back(Output::Close { conn, code });
    }
}

#[cfg(test)]
mod tests;
