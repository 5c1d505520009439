//! The tab's side of the mesh: drives core's `Mesh` state machine with the WebRTC links, its
//! timers and the neighbour messages riding in its `Direct` frames.
//!
//! Every frame the mesh wants sent goes on the link to its peer; a peer without a link is dialled
//! first, with the offer carried by a linked peer that holds a link to it (a routed signal, see
//! `amorph_core::signal::routed`) or, if none does, by the relay. Frames wait on a link that is
//! still opening. What the mesh decides (who is a neighbour, what is forwarded) stays in core.
//!
//! A data channel message is one kind byte and a body: a mesh frame, or a routed signal. Signals
//! travel on any open link, so a link the mesh let go can be kept open for a while (a dormant
//! link, at most [`DORMANT_LINKS_MAX`]): with the relay gone, it is the way back into the mesh for a
//! tab that lost its neighbours.

use amorph_core::identity::PeerId;
use amorph_core::mesh::neighbor::NeighborMessage;
use amorph_core::mesh::{MeshConfig, MeshEvent, MessageId, Offence, Output};
use amorph_core::signal::{ClientMessage, RouteError, Routed, SignalPayload, SignalRouter};
use amorph_core::store::MAX_SYNC_MESSAGE_BYTES;
use sha2::{Digest, Sha256};

use leptos::prelude::*;

use super::{now_ms, Swarm, MAX_LINKS};
use crate::rtc::Link;
use crate::ui_state::MeshView;

/// The `?mesh-active=N` of the page's address sets the active view's size within these bounds.
const ACTIVE_VIEW_BOUNDS: std::ops::RangeInclusive<usize> = 2..=8;

/// A data channel message holding a mesh frame…
const FRAME_MESH: u8 = 0;
/// …or a routed signal.
const FRAME_SIGNAL: u8 = 1;
/// Links the mesh let go that are kept open as signaling paths; the oldest is closed beyond this.
const DORMANT_LINKS_MAX: usize = 2;

/// Rounds of failed dials and new choices handled within one input.
const MAX_DIAL_ROUNDS: usize = 8;

/// Frames held for a link that is still opening; more are dropped (the mesh repeats what matters).
const MAX_QUEUED_FRAMES: usize = 64;
/// How often each neighbour is probed for its round-trip time (and idle links are swept).
pub(super) const PING_INTERVAL_MS: u32 = 5_000;
/// An open link that has not been a neighbour for this long (a refused neighbour request, a walk
/// that ended elsewhere) is closed, so links stay bounded by the active view.
const IDLE_LINK_MS: u64 = 15_000;

/// How the signals of one link travel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SignalPath {
    Relay,
    /// Through these linked peers, in order.
    Mesh(Vec<PeerId>),
}

/// The id under which a sync message is broadcast: its SHA-256, so every tab forwarding the same
/// bytes uses the same id.
pub(super) fn message_id(bytes: &[u8]) -> MessageId {
    MessageId(Sha256::digest(bytes).into())
}

/// The mesh's configuration for this page: core's defaults, the page's `mesh-active` if given (the
/// browser tests cap it at 3), and payloads as large as a sync message may be.
pub fn config_for_page() -> MeshConfig {
    let mut config = MeshConfig::default();
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let asked = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|params| params.get("mesh-active"))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(active) = asked.filter(|n| ACTIVE_VIEW_BOUNDS.contains(n)) {
        config.membership.active_max = active;
    }
    // A neighbour message is a tag byte and a sync message; frames stay under a data channel's 256 KiB.
    config.wire.max_payload = MAX_SYNC_MESSAGE_BYTES - 1024;
    config
}

impl Swarm {
    /// Does what the mesh asked for after an input, until it asks nothing more; then sets the
    /// timer for its next timeout.
    pub(super) fn drive(&mut self) {
        for _ in 0..MAX_DIAL_ROUNDS {
            let mut failed = Vec::new();
            while let Some(output) = self.mesh.poll_output() {
                match output {
                    Output::Transmit { to, bytes, .. } => {
                        if !self.transmit(to, bytes) {
                            failed.push(to);
                        }
                    }
                    Output::CloseLink(peer) => self.retire_link(peer),
                    Output::Event(event) => self.on_mesh_event(event),
                }
            }
            if failed.is_empty() {
                break;
            }
            // A failed dial makes the mesh pick another peer: do what it asks next (a few rounds;
            // whatever it asks after them waits for the next input).
            let now = now_ms();
            for peer in failed {
                self.mesh.handle_link_down(peer, now);
            }
        }
        self.schedule_mesh_timer();
        self.publish_mesh();
    }

    /// Sends `bytes` to `to`, dialling it if there is no link. False if it cannot be reached.
    fn transmit(&mut self, to: PeerId, bytes: Vec<u8>) -> bool {
        if let Some(link) = self.links.get(&to) {
            if link.is_open() {
                return self.send_on_link(to, FRAME_MESH, &bytes);
            }
            let queue = self.queued.entry(to).or_default();
            if queue.len() < MAX_QUEUED_FRAMES {
                queue.push(bytes);
            }
            return true;
        }
        if self.links.len() >= MAX_LINKS {
            return false;
        }
        let Some(path) = self.signal_path(to) else { return false };
        if !self.start_offer(to, path) {
            return false;
        }
        self.queued.insert(to, vec![bytes]);
        true
    }

    /// Sends one data channel message of `kind` on the open link to `peer`.
    fn send_on_link(&self, peer: PeerId, kind: u8, body: &[u8]) -> bool {
        let Some(link) = self.links.get(&peer).filter(|l| l.is_open()) else { return false };
        let mut message = Vec::with_capacity(1 + body.len());
        message.push(kind);
        message.extend_from_slice(body);
        link.send(&message)
    }

    /// A data channel message from `peer`.
    pub(super) fn on_link_message(&mut self, peer: PeerId, message: &[u8]) {
        match message.split_first() {
            Some((&FRAME_MESH, frame)) => self.mesh.handle_frame(peer, frame, now_ms()),
            Some((&FRAME_SIGNAL, signal)) => self.on_routed_signal(peer, signal),
            _ => {
                self.mesh.report(peer, Offence::Malformed, now_ms());
                web_sys::console::warn_1(&format!("{} sent a message of no known kind", peer.short()).into());
            }
        }
    }

    /// How to reach `to` for signaling: through an open link to a peer that says it is linked
    /// with it, else the relay.
    fn signal_path(&self, to: PeerId) -> Option<SignalPath> {
        let via = self.neighbor_links.iter().find(|(peer, links)| self.is_linked(peer) && links.contains(&to));
        match via {
            Some((peer, _)) => Some(SignalPath::Mesh(vec![*peer])),
            None if self.relay.as_ref().is_some_and(|r| r.is_joined()) => Some(SignalPath::Relay),
            None => None,
        }
    }

    /// Sends a signal of the link to `peer` the way that link's signals travel.
    pub(super) fn send_signal(&mut self, peer: PeerId, payload: SignalPayload) {
        match self.signal_paths.get(&peer).cloned().unwrap_or(SignalPath::Relay) {
            SignalPath::Relay => {
                if let Some(relay) = &self.relay {
                    relay.send(&ClientMessage::Signal { to: peer.to_did(), payload });
                }
            }
            SignalPath::Mesh(route) => {
                self.next_nonce += 1;
                match SignalRouter::send(&self.identity, peer, route, payload, now_ms(), self.next_nonce) {
                    Ok((first, bytes)) => {
                        if !self.send_on_link(first, FRAME_SIGNAL, &bytes) {
                            web_sys::console::warn_1(&format!("no link to {} to carry a signal", first.short()).into());
                        }
                    }
                    Err(e) => web_sys::console::warn_1(&format!("cannot route a signal: {e}").into()),
                }
            }
        }
    }

    /// A link's data channel opened: what waited for it goes out.
    pub(super) fn on_link_open(&mut self, peer: PeerId) {
        for bytes in self.queued.remove(&peer).unwrap_or_default() {
            self.send_on_link(peer, FRAME_MESH, &bytes);
        }
        self.publish_peers();
    }

    /// A link closed or failed: the mesh hears of it.
    pub(super) fn on_link_closed(&mut self, peer: PeerId) {
        self.forget_link(peer);
        self.mesh.handle_link_down(peer, now_ms());
        self.drive();
    }

    /// The mesh let `peer` go: its open link stays as a dormant signaling path (the oldest
    /// dormant one closes beyond the bound); a link still opening is closed.
    fn retire_link(&mut self, peer: PeerId) {
        if !self.is_linked(&peer) {
            return self.forget_link(peer);
        }
        self.dormant.insert(peer, now_ms());
        while self.dormant.len() > DORMANT_LINKS_MAX {
            let oldest = self.dormant.iter().min_by_key(|(_, since)| **since).map(|(p, _)| *p);
            match oldest {
                Some(oldest) => self.forget_link(oldest),
                None => break,
            }
        }
    }

    /// Whether the link to `peer` is open.
    fn is_linked(&self, peer: &PeerId) -> bool {
        self.links.get(peer).is_some_and(Link::is_open)
    }

    pub(super) fn forget_link(&mut self, peer: PeerId) {
        self.dormant.remove(&peer);
        self.links.remove(&peer);
        self.queued.remove(&peer);
        self.signal_paths.remove(&peer);
        self.neighbor_links.remove(&peer);
        self.rtt_ms.remove(&peer);
        self.idle_since.remove(&peer);
        self.publish_peers();
    }

    fn on_mesh_event(&mut self, event: MeshEvent) {
        match event {
            MeshEvent::NeighborUp(peer) => {
                self.dormant.remove(&peer);
                let step1 = self.store.sync_step1();
                self.send_neighbor(peer, NeighborMessage::Sync(step1));
                self.advertise_links();
                self.send_neighbor(peer, NeighborMessage::Ping { sent_ms: now_ms() });
            }
            MeshEvent::NeighborDown(peer) => {
                // What it said of its links stays while its link stays (a dormant signaling path).
                self.rtt_ms.remove(&peer);
                self.advertise_links();
            }
            MeshEvent::Received { payload, from, .. } => self.on_sync_message(from, &payload, Via::Broadcast),
            MeshEvent::Direct { from, payload } => self.on_neighbor_message(from, &payload),
        }
    }

    fn on_neighbor_message(&mut self, from: PeerId, bytes: &[u8]) {
        let message = match NeighborMessage::decode(bytes) {
            Ok(message) => message,
            Err(e) => {
                self.mesh.report(from, Offence::Malformed, now_ms());
                return web_sys::console::warn_1(&format!("{} sent {e}", from.short()).into());
            }
        };
        match message {
            NeighborMessage::Sync(bytes) => self.on_sync_message(from, &bytes, Via::Neighbor),
            NeighborMessage::Links(links) => {
                self.neighbor_links.insert(from, links);
            }
            NeighborMessage::Ping { sent_ms } => self.send_neighbor(from, NeighborMessage::Pong { sent_ms }),
            NeighborMessage::Pong { sent_ms } => {
                let rtt = now_ms().saturating_sub(sent_ms).min(u64::from(u32::MAX)) as u32;
                self.rtt_ms.insert(from, rtt);
            }
        }
    }

    fn on_routed_signal(&mut self, neighbor: PeerId, bytes: &[u8]) {
        let links = &self.links;
        let linked = |peer: &PeerId| links.get(peer).is_some_and(Link::is_open);
        match self.signals.handle(neighbor, bytes, now_ms(), linked) {
            Ok(Routed::Forward { next, bytes }) => {
                self.send_on_link(next, FRAME_SIGNAL, &bytes);
            }
            Ok(Routed::Deliver { from, payload, reply_route }) => {
                self.on_signal(from, payload, SignalPath::Mesh(reply_route))
            }
            Err(e) => {
                let offence =
                    if matches!(e, RouteError::TooLarge { .. }) { Offence::Oversized } else { Offence::Malformed };
                self.mesh.report(neighbor, offence, now_ms());
                web_sys::console::warn_1(&format!("refused a signal from {}: {e}", neighbor.short()).into());
            }
        }
    }

    /// Tells every neighbour which links this tab holds now.
    fn advertise_links(&mut self) {
        let links = self.mesh.active().to_vec();
        for neighbor in links.clone() {
            self.send_neighbor(neighbor, NeighborMessage::Links(links.clone()));
        }
    }

    /// Queues a message to a neighbour; it goes out when the caller next drives the mesh.
    pub(super) fn send_neighbor(&mut self, to: PeerId, message: NeighborMessage) {
        if let Err(e) = self.mesh.send_direct(to, message.encode()) {
            web_sys::console::warn_1(&format!("cannot send to {}: {e}", to.short()).into());
        }
    }

    /// Probes every neighbour's round-trip time (answered with `Pong`).
    pub(super) fn ping_neighbors(&mut self) {
        let now = now_ms();
        for neighbor in self.mesh.active().to_vec() {
            self.send_neighbor(neighbor, NeighborMessage::Ping { sent_ms: now });
        }
        self.sweep_idle_links(now);
        self.drive();
    }

    /// Closes links that have not carried a neighbour for [`IDLE_LINK_MS`] (dormant ones aside).
    fn sweep_idle_links(&mut self, now: u64) {
        let active = self.mesh.active().to_vec();
        self.idle_since.retain(|peer, _| !active.contains(peer));
        let idle = |l: &&Link| l.is_open() && !active.contains(&l.peer) && !self.dormant.contains_key(&l.peer);
        let open: Vec<PeerId> = self.links.values().filter(idle).map(|l| l.peer).collect();
        for peer in open {
            let since = *self.idle_since.entry(peer).or_insert(now);
            if now.saturating_sub(since) >= IDLE_LINK_MS {
                self.idle_since.remove(&peer);
                self.forget_link(peer);
                self.mesh.handle_link_down(peer, now);
            }
        }
    }

    /// Broadcasts a sync message of new events to the mesh (ours, or what the relay forwarded),
    /// or passes on what a neighbour's sync reply brought.
    pub(super) fn spread(&mut self, from: Option<PeerId>, bytes: Vec<u8>) {
        let id = message_id(&bytes);
        let sent = match from {
            Some(neighbor) => self.mesh.rebroadcast(neighbor, id, bytes, now_ms()),
            None => self.mesh.broadcast(id, bytes, now_ms()),
        };
        if let Err(e) = sent {
            web_sys::console::warn_1(&format!("cannot broadcast: {e}").into());
        }
        self.drive();
    }

    /// Shows the mesh as this tab knows it: neighbours with their round-trip times, passive
    /// contacts, and the links each neighbour holds.
    fn publish_mesh(&self) {
        let view = MeshView {
            active: self.mesh.active().iter().map(|p| (*p, self.rtt_ms.get(p).copied())).collect(),
            passive: self.mesh.passive().to_vec(),
            known: self.neighbor_links.iter().map(|(p, links)| (*p, links.clone())).collect(),
            refusals: self.mesh.offenders().map(|(_, c)| u64::from(c.total())).sum::<u64>(),
        };
        if self.ui.mesh.with_untracked(|shown| *shown != view) {
            self.ui.mesh.set(view);
        }
    }

    fn schedule_mesh_timer(&mut self) {
        let Some(at) = self.mesh.poll_timeout() else { return };
        if self.mesh_timer_at.is_some_and(|scheduled| scheduled <= at) {
            return;
        }
        self.mesh_timer_at = Some(at);
        let weak = self.this.clone();
        let delay = u32::try_from(at.saturating_sub(now_ms())).unwrap_or(u32::MAX);
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(delay).await;
            let Some(swarm) = weak.upgrade() else { return };
            let mut swarm = swarm.borrow_mut();
            if swarm.mesh_timer_at == Some(at) {
                swarm.mesh_timer_at = None;
            }
            swarm.mesh.handle_timeout(now_ms());
            swarm.drive();
        });
    }
}

/// Where a sync message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Via {
    /// The relay's archive over the WebSocket.
    Relay,
    /// A neighbour's own sync (step 1, step 2 or reply) in a `Direct` frame.
    Neighbor,
    /// A broadcast the mesh delivered (and forwards by itself).
    Broadcast,
}
