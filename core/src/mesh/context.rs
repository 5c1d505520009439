//! What a mesh state machine may touch while it handles one input: the seeded RNG, the timers,
//! the misbehaviour counters and the bounded queue of outputs for the caller.
//!
//! Owns the output vocabulary (`Output`, `MeshEvent`). Never performs I/O: it only queues.

use std::collections::VecDeque;

use rand_chacha::ChaCha8Rng;

use super::penalties::{Offence, Penalties};
use super::timers::Timers;
use super::wire::{encode, Frame, FrameKind, MessageId};
use crate::identity::PeerId;

/// What the mesh tells the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeshEvent {
    /// A link joined the active view: reconcile with this peer (y-protocols sync via `Direct`).
    NeighborUp(PeerId),
    /// A link left the active view.
    NeighborDown(PeerId),
    /// A broadcast payload arrived for the first time, `hops` links from its origin.
    Received { id: MessageId, payload: Vec<u8>, from: PeerId, hops: u16 },
    /// A unicast from a neighbor.
    Direct { from: PeerId, payload: Vec<u8> },
}

/// What the caller must do after an input (drain `Mesh::poll_output` until it returns `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send these bytes to `to`, opening a link if there is none (a dial: via the relay or
    /// signaling over the mesh). If the link cannot be opened, call `Mesh::handle_link_down`.
    Transmit { to: PeerId, kind: FrameKind, bytes: Vec<u8> },
    /// Close the link to this peer (after the frames queued before this output are sent).
    CloseLink(PeerId),
    /// Tell the application.
    Event(MeshEvent),
}

#[derive(Debug)]
pub struct Context {
    pub rng: ChaCha8Rng,
    pub timers: Timers,
    pub penalties: Penalties,
    pub outbox: VecDeque<Output>,
    pub outbox_max: usize,
    /// Outputs dropped because the caller did not drain the queue.
    pub dropped_outputs: u64,
    /// Active-view changes the broadcast layer has not seen yet: (peer, up).
    pub topology: Vec<(PeerId, bool)>,
}

impl Context {
    pub fn push(&mut self, output: Output) {
        if self.outbox.len() >= self.outbox_max {
            self.dropped_outputs += 1;
        } else {
            self.outbox.push_back(output);
        }
    }

    pub fn send(&mut self, to: PeerId, frame: &Frame) {
        self.push(Output::Transmit { to, kind: frame.kind(), bytes: encode(frame) });
    }

    pub fn emit(&mut self, event: MeshEvent) {
        self.push(Output::Event(event));
    }

    pub fn close(&mut self, peer: PeerId) {
        self.push(Output::CloseLink(peer));
    }

    pub fn offence(&mut self, peer: PeerId, offence: Offence, now_ms: u64) {
        self.penalties.count(peer, offence, now_ms);
    }
}
