//! The peers a simulation drives: our `Mesh`, and the flooding baseline (y-webrtc style: every
//! new message to every link, duplicates dropped by id) over a fixed set of links.
//!
//! Owns the common interface (`SimNode`) so the network and the scenarios treat all systems alike.

use std::collections::HashSet;

use crate::identity::PeerId;
use crate::mesh::{Frame, FrameKind, Mesh, MeshEvent, MeshSizes, MessageId, Output, WireLimits};

/// What the simulated network needs from a peer.
pub trait SimNode {
    fn join(&mut self, contacts: &[PeerId], now_ms: u64);
    fn broadcast(&mut self, id: MessageId, payload: Vec<u8>, now_ms: u64);
    /// A payload that arrived by reconciliation with `from`; passed on to the rest of the swarm.
    fn rebroadcast(&mut self, from: PeerId, id: MessageId, payload: Vec<u8>, now_ms: u64);
    fn handle_frame(&mut self, from: PeerId, bytes: &[u8], now_ms: u64);
    fn handle_link_down(&mut self, peer: PeerId, now_ms: u64);
    /// The transport re-opened a link it had lost (baselines only: a signaling server reconnects).
    fn handle_link_up(&mut self, peer: PeerId, now_ms: u64);
    fn handle_timeout(&mut self, now_ms: u64);
    fn poll_timeout(&self) -> Option<u64>;
    fn poll_output(&mut self) -> Option<Output>;
    fn degree(&self) -> usize;
    fn sizes(&self) -> Option<MeshSizes>;
    fn as_mesh(&self) -> Option<&Mesh> {
        None
    }
}

impl SimNode for Mesh {
    fn join(&mut self, contacts: &[PeerId], now_ms: u64) {
        Mesh::join(self, contacts, now_ms)
    }
    fn broadcast(&mut self, id: MessageId, payload: Vec<u8>, now_ms: u64) {
        let _ = Mesh::broadcast(self, id, payload, now_ms);
    }
    fn rebroadcast(&mut self, from: PeerId, id: MessageId, payload: Vec<u8>, now_ms: u64) {
        let _ = Mesh::rebroadcast(self, from, id, payload, now_ms);
    }
    fn handle_frame(&mut self, from: PeerId, bytes: &[u8], now_ms: u64) {
        Mesh::handle_frame(self, from, bytes, now_ms)
    }
    fn handle_link_down(&mut self, peer: PeerId, now_ms: u64) {
        Mesh::handle_link_down(self, peer, now_ms)
    }
    fn handle_link_up(&mut self, _peer: PeerId, _now_ms: u64) {}
    fn handle_timeout(&mut self, now_ms: u64) {
        Mesh::handle_timeout(self, now_ms)
    }
    fn poll_timeout(&self) -> Option<u64> {
        Mesh::poll_timeout(self)
    }
    fn poll_output(&mut self) -> Option<Output> {
        Mesh::poll_output(self)
    }
    fn degree(&self) -> usize {
        self.active().len()
    }
    fn sizes(&self) -> Option<MeshSizes> {
        Some(Mesh::sizes(self))
    }
    fn as_mesh(&self) -> Option<&Mesh> {
        Some(self)
    }
}

/// Flooding over fixed links: each new message goes to every link but the one it came from.
/// With 20–35 random links per peer this is what y-webrtc does; with a handful it is naive
/// flooding on a bounded-degree graph. No membership protocol: a lost link is not replaced.
#[derive(Debug)]
pub struct Flooder {
    links: Vec<PeerId>,
    seen: HashSet<MessageId>,
    out: Vec<Output>,
    limits: WireLimits,
}

impl Flooder {
    pub fn new(links: Vec<PeerId>) -> Self {
        Flooder { links, seen: HashSet::new(), out: Vec::new(), limits: WireLimits::default() }
    }

    fn forward(&mut self, id: MessageId, round: u16, payload: Vec<u8>, except: Option<PeerId>) {
        let bytes = crate::mesh::wire::encode(&Frame::Gossip { id, round: round.saturating_add(1), payload });
        for peer in &self.links {
            if Some(*peer) != except {
                self.out.push(Output::Transmit { to: *peer, kind: FrameKind::Gossip, bytes: bytes.clone() });
            }
        }
    }
}

impl SimNode for Flooder {
    fn join(&mut self, _contacts: &[PeerId], _now_ms: u64) {}
    fn broadcast(&mut self, id: MessageId, payload: Vec<u8>, _now_ms: u64) {
        if self.seen.insert(id) {
            self.forward(id, 0, payload, None);
        }
    }
    fn rebroadcast(&mut self, from: PeerId, id: MessageId, payload: Vec<u8>, _now_ms: u64) {
        if self.seen.insert(id) {
            self.forward(id, 0, payload, Some(from));
        }
    }
    fn handle_frame(&mut self, from: PeerId, bytes: &[u8], _now_ms: u64) {
        if let Ok(Frame::Gossip { id, round, payload }) = crate::mesh::wire::decode(bytes, &self.limits) {
            if self.seen.insert(id) {
                self.out.push(Output::Event(MeshEvent::Received { id, payload: payload.clone(), from, hops: round }));
                self.forward(id, round, payload, Some(from));
            }
        }
    }
    fn handle_link_down(&mut self, peer: PeerId, _now_ms: u64) {
        if let Some(at) = self.links.iter().position(|p| *p == peer) {
            self.links.swap_remove(at);
            self.out.push(Output::Event(MeshEvent::NeighborDown(peer)));
        }
    }
    fn handle_link_up(&mut self, peer: PeerId, _now_ms: u64) {
        if !self.links.contains(&peer) {
            self.links.push(peer);
            self.out.push(Output::Event(MeshEvent::NeighborUp(peer)));
        }
    }
    fn handle_timeout(&mut self, _now_ms: u64) {}
    fn poll_timeout(&self) -> Option<u64> {
        None
    }
    fn poll_output(&mut self) -> Option<Output> {
        self.out.pop()
    }
    fn degree(&self) -> usize {
        self.links.len()
    }
    fn sizes(&self) -> Option<MeshSizes> {
        None
    }
}
