//! The simulated network: one event queue in simulated milliseconds, per-frame latency, jitter and
//! loss, crashes, partitions that heal, and the record of every delivery.
//!
//! Owns time and links. A frame to a peer that is down or on the other side of a partition is
//! lost, and the sender's link fails after `detect_ms` (what an ICE or dial timeout looks like to
//! the adapter). Reconciliation on `NeighborUp` is modelled as the app does it: the pair exchange
//! the ids they hold and send what the other lacks (counted as sync messages, not mesh frames).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::node::SimNode;
use crate::identity::PeerId;
use crate::mesh::{FrameKind, MeshEvent, MessageId, Output};

/// The links' behaviour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkModel {
    pub latency_ms: u64,
    /// Each frame's delay is `latency_ms` ± up to `jitter_ms`, uniformly.
    pub jitter_ms: u64,
    /// Probability that a mesh frame is lost.
    pub loss: f64,
    /// Time until a peer notices that a link died (crash, partition, failed dial).
    pub detect_ms: u64,
}

impl Default for LinkModel {
    fn default() -> Self {
        LinkModel { latency_ms: 50, jitter_ms: 10, loss: 0.01, detect_ms: 3_000 }
    }
}

/// The simulated peer id of node `index`.
pub fn peer_id(index: u32) -> PeerId {
    let mut bytes = [0; 32];
    bytes[..4].copy_from_slice(&index.to_le_bytes());
    bytes[4..8].copy_from_slice(b"sim!");
    PeerId(bytes)
}

/// The id of the `index`-th broadcast of a simulation.
pub fn message_id(index: u32) -> MessageId {
    let mut bytes = [0; 32];
    bytes[..4].copy_from_slice(&index.to_le_bytes());
    bytes[4..8].copy_from_slice(b"msg!");
    MessageId(bytes)
}

fn index_of(id: &MessageId) -> Option<u32> {
    (id.0[4..8] == *b"msg!").then(|| u32::from_le_bytes([id.0[0], id.0[1], id.0[2], id.0[3]]))
}

/// Frames and messages counted while the window is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    pub payload: u64,
    pub control: u64,
    pub direct: u64,
    pub sync_messages: u64,
    pub sync_items: u64,
    pub lost: u64,
}

/// One delivery of one broadcast to one peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub at_ms: u64,
    /// Links travelled; `None` when it came by reconciliation.
    pub hops: Option<u16>,
}

#[derive(Debug, Clone)]
pub struct Broadcast {
    pub origin: u32,
    pub at_ms: u64,
    pub deliveries: Vec<Option<Delivery>>,
}

enum Event {
    Frame { from: u32, to: u32, bytes: Vec<u8> },
    Wake(u32),
    LinkDown { at: u32, peer: PeerId },
    SyncSummary { from: u32, to: u32 },
    SyncItems { to: u32, from: u32, items: Vec<u32> },
}

struct Queued {
    at: u64,
    seq: u64,
    event: Event,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

pub struct Network<N: SimNode> {
    pub now: u64,
    pub nodes: Vec<N>,
    ids: Vec<PeerId>,
    pub alive: Vec<bool>,
    pub joined: Vec<bool>,
    group: Vec<u8>,
    partitioned: bool,
    links: Vec<HashSet<u32>>,
    /// Peers that never forward (drop their own payload and announcement frames).
    pub silent: Vec<bool>,
    wake: Vec<Option<u64>>,
    queue: BinaryHeap<Reverse<Queued>>,
    seq: u64,
    rng: ChaCha8Rng,
    model: LinkModel,
    pending_down: HashSet<(u32, PeerId)>,
    /// Last arrival time per directed link: links deliver in order (data channels are ordered).
    fifo: HashMap<(u32, u32), u64>,
    pub sync_on_neighbor_up: bool,
    pub traffic: Traffic,
    pub counting: bool,
    pub broadcasts: Vec<Broadcast>,
    payload_len: usize,
}

impl<N: SimNode> Network<N> {
    pub fn new(nodes: Vec<N>, model: LinkModel, seed: u64, payload_len: usize) -> Self {
        let n = nodes.len();
        Network {
            now: 0,
            ids: (0..n as u32).map(peer_id).collect(),
            nodes,
            alive: vec![true; n],
            joined: vec![false; n],
            group: vec![0; n],
            partitioned: false,
            links: vec![HashSet::new(); n],
            silent: vec![false; n],
            wake: vec![None; n],
            queue: BinaryHeap::new(),
            seq: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            model,
            pending_down: HashSet::new(),
            fifo: HashMap::new(),
            sync_on_neighbor_up: true,
            traffic: Traffic::default(),
            counting: false,
            broadcasts: Vec::new(),
            payload_len,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    pub fn id(&self, index: u32) -> PeerId {
        self.ids[index as usize]
    }

    /// The node index of a simulated peer id.
    pub fn index(&self, peer: &PeerId) -> Option<u32> {
        if peer.0[4..8] != *b"sim!" {
            return None;
        }
        let index = u32::from_le_bytes([peer.0[0], peer.0[1], peer.0[2], peer.0[3]]);
        ((index as usize) < self.nodes.len()).then_some(index)
    }

    pub fn links_of(&self, index: u32) -> &HashSet<u32> {
        &self.links[index as usize]
    }

    fn push(&mut self, at: u64, event: Event) {
        self.seq += 1;
        self.queue.push(Reverse(Queued { at, seq: self.seq, event }));
    }

    fn delay(&mut self) -> u64 {
        let jitter = self.model.jitter_ms;
        let spread = if jitter == 0 { 0 } else { self.rng.next_u64() % (2 * jitter + 1) };
        (self.model.latency_ms + spread).saturating_sub(jitter).max(1)
    }

    fn lost(&mut self) -> bool {
        self.model.loss > 0.0 && (self.rng.next_u64() as f64 / u64::MAX as f64) < self.model.loss
    }

    fn reachable(&self, a: u32, b: u32) -> bool {
        self.alive[b as usize] && (!self.partitioned || self.group[a as usize] == self.group[b as usize])
    }

    /// Node `index` joins through `contacts` (indices).
    pub fn join(&mut self, index: u32, contacts: &[u32]) {
        let contacts: Vec<PeerId> = contacts.iter().map(|c| self.ids[*c as usize]).collect();
        self.joined[index as usize] = true;
        let now = self.now;
        self.nodes[index as usize].join(&contacts, now);
        self.drain(index);
    }

    /// Node `origin` broadcasts a new message; returns its index.
    pub fn broadcast(&mut self, origin: u32) -> u32 {
        let index = self.broadcasts.len() as u32;
        let id = message_id(index);
        let mut deliveries = vec![None; self.nodes.len()];
        deliveries[origin as usize] = Some(Delivery { at_ms: self.now, hops: Some(0) });
        self.broadcasts.push(Broadcast { origin, at_ms: self.now, deliveries });
        let payload = self.payload(index);
        let now = self.now;
        self.nodes[origin as usize].broadcast(id, payload, now);
        self.drain(origin);
        index
    }

    fn payload(&self, index: u32) -> Vec<u8> {
        let mut payload = vec![0xab; self.payload_len.max(4)];
        payload[..4].copy_from_slice(&index.to_le_bytes());
        payload
    }

    /// Crashes a node: it stops; its neighbors notice after `detect_ms`.
    pub fn crash(&mut self, index: u32) {
        if !self.alive[index as usize] {
            return;
        }
        self.alive[index as usize] = false;
        for peer in std::mem::take(&mut self.links[index as usize]) {
            self.links[peer as usize].remove(&index);
            let at = self.now + self.model.detect_ms;
            let id = self.ids[index as usize];
            self.push(at, Event::LinkDown { at: peer, peer: id });
        }
    }

    /// Splits the peers into two groups (`side[i]`); links across die.
    pub fn partition(&mut self, side: &[u8]) {
        self.group.copy_from_slice(side);
        self.partitioned = true;
        for a in 0..self.nodes.len() as u32 {
            let cross: Vec<u32> =
                self.links[a as usize].iter().copied().filter(|b| side[*b as usize] != side[a as usize]).collect();
            for b in cross {
                self.links[a as usize].remove(&b);
                self.links[b as usize].remove(&a);
                let at = self.now + self.model.detect_ms;
                let (ida, idb) = (self.ids[a as usize], self.ids[b as usize]);
                self.push(at, Event::LinkDown { at: a, peer: idb });
                self.push(at, Event::LinkDown { at: b, peer: ida });
            }
        }
    }

    pub fn heal(&mut self) {
        self.partitioned = false;
    }

    /// Registers a link that exists from the start (the baselines' fixed graphs).
    pub fn open_link(&mut self, a: u32, b: u32) {
        self.links[a as usize].insert(b);
        self.links[b as usize].insert(a);
    }

    /// Re-opens a link the transport had lost (the baselines' signaling server reconnecting).
    pub fn link_up(&mut self, a: u32, b: u32) {
        if !self.alive[a as usize] || !self.alive[b as usize] || self.links[a as usize].contains(&b) {
            return;
        }
        self.links[a as usize].insert(b);
        self.links[b as usize].insert(a);
        let now = self.now;
        let (pa, pb) = (self.ids[a as usize], self.ids[b as usize]);
        self.nodes[a as usize].handle_link_up(pb, now);
        self.drain(a);
        self.nodes[b as usize].handle_link_up(pa, now);
        self.drain(b);
    }

    /// Runs every event up to `until_ms`.
    pub fn run_until(&mut self, until_ms: u64) {
        while let Some(Reverse(head)) = self.queue.peek() {
            if head.at > until_ms {
                break;
            }
            let Some(Reverse(Queued { at, event, .. })) = self.queue.pop() else { break };
            self.now = at;
            self.dispatch(event);
        }
        self.now = self.now.max(until_ms);
    }

    fn dispatch(&mut self, event: Event) {
        let now = self.now;
        match event {
            Event::Frame { from, to, bytes } => {
                if !self.reachable(from, to) {
                    return;
                }
                let sender = self.ids[from as usize];
                self.nodes[to as usize].handle_frame(sender, &bytes, now);
                self.drain(to);
            }
            Event::Wake(index) => {
                if self.wake[index as usize] != Some(now) || !self.alive[index as usize] {
                    return;
                }
                self.wake[index as usize] = None;
                self.nodes[index as usize].handle_timeout(now);
                self.drain(index);
            }
            Event::LinkDown { at, peer } => {
                self.pending_down.remove(&(at, peer));
                // A link opened again since is another connection: this failure is not its.
                let reopened = self.index(&peer).is_some_and(|p| self.links[at as usize].contains(&p));
                if self.alive[at as usize] && !reopened {
                    self.nodes[at as usize].handle_link_down(peer, now);
                    self.drain(at);
                }
            }
            Event::SyncSummary { from, to } => {
                if !self.reachable(from, to) {
                    return;
                }
                let items: Vec<u32> = (0..self.broadcasts.len() as u32)
                    .filter(|m| {
                        let d = &self.broadcasts[*m as usize].deliveries;
                        d[to as usize].is_some() && d[from as usize].is_none()
                    })
                    .collect();
                if !items.is_empty() {
                    if self.counting {
                        self.traffic.sync_messages += 1;
                        self.traffic.sync_items += items.len() as u64;
                    }
                    let at = now + self.delay();
                    self.push(at, Event::SyncItems { to: from, from: to, items });
                }
            }
            Event::SyncItems { to, from, items } => {
                if !self.reachable(from, to) {
                    return;
                }
                let sender = self.ids[from as usize];
                for m in items {
                    let record = &mut self.broadcasts[m as usize].deliveries[to as usize];
                    if record.is_none() {
                        *record = Some(Delivery { at_ms: now, hops: None });
                        let payload = self.payload(m);
                        self.nodes[to as usize].rebroadcast(sender, message_id(m), payload, now);
                    }
                }
                self.drain(to);
            }
        }
    }

    fn drain(&mut self, index: u32) {
        let now = self.now;
        while let Some(output) = self.nodes[index as usize].poll_output() {
            match output {
                Output::Transmit { to, kind, bytes } => self.transmit(index, to, kind, bytes),
                Output::CloseLink(peer) => {
                    if let Some(peer) = self.index(&peer) {
                        if self.links[index as usize].remove(&peer) {
                            self.links[peer as usize].remove(&index);
                            self.fifo.remove(&(index, peer));
                            self.fifo.remove(&(peer, index));
                            if self.reachable(index, peer) {
                                let at = now + self.model.latency_ms + self.model.jitter_ms + 1;
                                let id = self.ids[index as usize];
                                self.push(at, Event::LinkDown { at: peer, peer: id });
                            }
                        }
                    }
                }
                Output::Event(MeshEvent::Received { id, hops, .. }) => {
                    if let Some(m) = index_of(&id) {
                        if let Some(b) = self.broadcasts.get_mut(m as usize) {
                            let record = &mut b.deliveries[index as usize];
                            if record.is_none() {
                                *record = Some(Delivery { at_ms: now, hops: Some(hops) });
                            }
                        }
                    }
                }
                Output::Event(MeshEvent::NeighborUp(peer)) => {
                    if let (true, Some(peer)) = (self.sync_on_neighbor_up, self.index(&peer)) {
                        if self.counting {
                            self.traffic.sync_messages += 1;
                        }
                        let at = now + self.delay();
                        self.push(at, Event::SyncSummary { from: index, to: peer });
                    }
                }
                Output::Event(_) => {}
            }
        }
        if let Some(at) = self.nodes[index as usize].poll_timeout() {
            let at = at.max(now);
            if self.wake[index as usize].is_none_or(|w| at < w) {
                self.wake[index as usize] = Some(at);
                self.push(at, Event::Wake(index));
            }
        }
    }

    fn transmit(&mut self, from: u32, to: PeerId, kind: FrameKind, bytes: Vec<u8>) {
        if !self.alive[from as usize] {
            return;
        }
        if self.silent[from as usize] && matches!(kind, FrameKind::Gossip | FrameKind::IHave) {
            return;
        }
        if self.counting {
            match kind {
                FrameKind::Gossip => self.traffic.payload += 1,
                FrameKind::Direct => self.traffic.direct += 1,
                _ => self.traffic.control += 1,
            }
        }
        let index = self.index(&to);
        let Some(to_index) = index.filter(|t| self.reachable(from, *t)) else {
            // A dead, partitioned or unknown peer: the dial or the link fails after a while.
            if self.pending_down.insert((from, to)) {
                if let Some(t) = index {
                    self.links[from as usize].remove(&t);
                    self.links[t as usize].remove(&from);
                }
                let at = self.now + self.model.detect_ms;
                self.push(at, Event::LinkDown { at: from, peer: to });
            }
            return;
        };
        let to = to_index;
        self.links[from as usize].insert(to);
        self.links[to as usize].insert(from);
        if self.lost() {
            if self.counting {
                self.traffic.lost += 1;
            }
            return;
        }
        let mut at = self.now + self.delay();
        let last = self.fifo.entry((from, to)).or_insert(0);
        at = at.max(*last);
        *last = at;
        self.push(at, Event::Frame { from, to, bytes });
    }
}
