//! One mesh peer: membership and broadcast behind one sans-IO interface.
//!
//! Inputs are `handle_*` calls with the caller's time in milliseconds; outputs are drained with
//! `poll_output` (frames to send, links to close, events) and `poll_timeout` (when to call
//! `handle_timeout`). Owns the routing of frames to the two layers and the neighbor-only rule.
//! No clock, no threads, no sockets; all randomness comes from the seed given to `new`.

use std::collections::VecDeque;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::broadcast::{Broadcast, BroadcastSizes};
use super::config::MeshConfig;
use super::context::{Context, MeshEvent, Output};
use super::membership::Membership;
use super::penalties::{Counters, Offence, Penalties};
use super::timers::{Timer, Timers};
use super::wire::{decode, Frame, FrameError, MessageId};
use crate::identity::PeerId;

/// Why a direct message or broadcast was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("{0:?} is not a neighbor (not in the active view)")]
    NotNeighbor(PeerId),
    #[error("payload is {len} bytes; the mesh carries at most {limit}")]
    TooLarge { len: usize, limit: usize },
}

/// Sizes of every bounded structure of a peer (for tests, the UI and the simulator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeshSizes {
    pub active: usize,
    pub passive: usize,
    pub pending: usize,
    pub timers: usize,
    pub outbox: usize,
    pub tracked_offenders: usize,
    pub broadcast: BroadcastSizes,
}

#[derive(Debug)]
pub struct Mesh {
    me: PeerId,
    config: MeshConfig,
    membership: Membership,
    broadcast: Broadcast,
    ctx: Context,
    started: bool,
}

impl Mesh {
    /// A peer with identity `me`; `seed` drives every random choice (pass 32 bytes of entropy).
    pub fn new(me: PeerId, config: MeshConfig, seed: [u8; 32]) -> Self {
        let ctx = Context {
            rng: ChaCha8Rng::from_seed(seed),
            timers: Timers::default(),
            penalties: Penalties::new(config.penalties_max),
            outbox: VecDeque::new(),
            outbox_max: config.outbox_max.max(16),
            dropped_outputs: 0,
            topology: Vec::new(),
        };
        Mesh {
            me,
            membership: Membership::new(me, config.membership.clone()),
            broadcast: Broadcast::new(config.broadcast.clone(), config.wire.max_ihave),
            config,
            ctx,
            started: false,
        }
    }

    pub fn me(&self) -> PeerId {
        self.me
    }

    pub fn config(&self) -> &MeshConfig {
        &self.config
    }

    /// Asks bootstrap contacts (from the relay or an invite) to take us in.
    pub fn join(&mut self, contacts: &[PeerId], now_ms: u64) {
        self.start(now_ms);
        self.membership.join(contacts, &mut self.ctx, now_ms);
        self.after_input(now_ms);
    }

    /// Leaves the swarm: tells every neighbor, closes every link.
    pub fn leave(&mut self, now_ms: u64) {
        self.membership.leave(&mut self.ctx);
        self.after_input(now_ms);
    }

    /// Broadcasts our own payload. False if this id was already seen (nothing is sent).
    pub fn broadcast(&mut self, id: MessageId, payload: Vec<u8>, now_ms: u64) -> Result<bool, SendError> {
        self.check_size(payload.len())?;
        self.start(now_ms);
        let sent = self.broadcast.originate(id, payload, None, &mut self.ctx, now_ms);
        self.after_input(now_ms);
        Ok(sent)
    }

    /// Passes on a payload that reached us outside the broadcast (by reconciliation with `from`
    /// after `NeighborUp`), so that the rest of the swarm gets it too. False if already seen.
    pub fn rebroadcast(
        &mut self,
        from: PeerId,
        id: MessageId,
        payload: Vec<u8>,
        now_ms: u64,
    ) -> Result<bool, SendError> {
        self.check_size(payload.len())?;
        let sent = self.broadcast.originate(id, payload, Some(from), &mut self.ctx, now_ms);
        self.after_input(now_ms);
        Ok(sent)
    }

    /// Whether this id was delivered or sent recently (within the seen cache's bounds).
    pub fn has_seen(&self, id: &MessageId) -> bool {
        self.broadcast.has_seen(id)
    }

    /// Sends an opaque unicast to a neighbor.
    pub fn send_direct(&mut self, to: PeerId, payload: Vec<u8>) -> Result<(), SendError> {
        self.check_size(payload.len())?;
        if !self.membership.is_neighbor(&to) {
            return Err(SendError::NotNeighbor(to));
        }
        self.ctx.send(to, &Frame::Direct { payload });
        Ok(())
    }

    /// Bytes received from `from` on a link. Bad bytes are counted against the sender.
    pub fn handle_frame(&mut self, from: PeerId, bytes: &[u8], now_ms: u64) {
        self.start(now_ms);
        match decode(bytes, &self.config.wire) {
            Ok(frame) => self.handle_decoded(from, frame, now_ms),
            Err(error) => {
                let offence = if error.is_oversized() { Offence::Oversized } else { Offence::Malformed };
                self.ctx.offence(from, offence, now_ms);
            }
        }
        self.after_input(now_ms);
    }

    /// Decodes without handling (for callers that log or inspect frames).
    pub fn decode(&self, bytes: &[u8]) -> Result<Frame, FrameError> {
        decode(bytes, &self.config.wire)
    }

    /// The link to `peer` closed or could not be opened.
    pub fn handle_link_down(&mut self, peer: PeerId, now_ms: u64) {
        self.membership.link_down(peer, &mut self.ctx, now_ms);
        self.after_input(now_ms);
    }

    /// Call at (or after) the time `poll_timeout` named.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        while let Some(timer) = self.ctx.timers.pop_due(now_ms) {
            match timer {
                Timer::Maintain => {
                    self.membership.on_timer(timer, &mut self.ctx, now_ms);
                    self.broadcast.on_timer(timer, &mut self.ctx, now_ms);
                }
                Timer::Shuffle | Timer::NeighborTimeout(_) => self.membership.on_timer(timer, &mut self.ctx, now_ms),
                Timer::Graft(_) | Timer::Dispatch => self.broadcast.on_timer(timer, &mut self.ctx, now_ms),
            }
            self.apply_topology(now_ms);
        }
    }

    /// The earliest time `handle_timeout` has work.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.ctx.timers.next()
    }

    /// The next thing to do; drain until `None` after every input.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.ctx.outbox.pop_front()
    }

    pub fn active(&self) -> &[PeerId] {
        self.membership.active()
    }

    pub fn passive(&self) -> &[PeerId] {
        self.membership.passive()
    }

    /// Bootstrap contacts kept to join again.
    pub fn contacts(&self) -> &[PeerId] {
        self.membership.contacts()
    }

    /// Former neighbors, newest last (candidates for rotation and repair).
    pub fn history(&self) -> &[PeerId] {
        self.membership.history()
    }

    pub fn eager(&self) -> &[PeerId] {
        self.broadcast.eager()
    }

    pub fn lazy(&self) -> &[PeerId] {
        self.broadcast.lazy()
    }

    /// The application refused bytes `peer` sent over its link (a message inside a `Direct` frame,
    /// or something beside the mesh's frames): counted with the mesh's own offences, so one set of
    /// counters says what each peer did.
    pub fn report(&mut self, peer: PeerId, offence: Offence, now_ms: u64) {
        self.ctx.offence(peer, offence, now_ms);
    }

    /// Misbehaviour counted against `peer`, if any.
    pub fn penalties(&self, peer: &PeerId) -> Option<&Counters> {
        self.ctx.penalties.get(peer)
    }

    /// Every tracked offender and its counts.
    pub fn offenders(&self) -> impl Iterator<Item = (&PeerId, &Counters)> {
        self.ctx.penalties.iter()
    }

    /// Outputs dropped because they were not drained.
    pub fn dropped_outputs(&self) -> u64 {
        self.ctx.dropped_outputs
    }

    pub fn sizes(&self) -> MeshSizes {
        MeshSizes {
            active: self.membership.active().len(),
            passive: self.membership.passive().len(),
            pending: self.membership.pending_len(),
            timers: self.ctx.timers.len(),
            outbox: self.ctx.outbox.len(),
            tracked_offenders: self.ctx.penalties.len(),
            broadcast: self.broadcast.sizes(),
        }
    }

    fn check_size(&self, len: usize) -> Result<(), SendError> {
        let limit = self.config.wire.max_payload;
        if len > limit {
            return Err(SendError::TooLarge { len, limit });
        }
        Ok(())
    }

    fn start(&mut self, now_ms: u64) {
        if !self.started {
            self.started = true;
            self.membership.start(&mut self.ctx, now_ms);
        }
    }

    fn handle_decoded(&mut self, from: PeerId, frame: Frame, now_ms: u64) {
        if from == self.me {
            return;
        }
        let neighbor = self.membership.is_neighbor(&from);
        match frame {
            Frame::Join | Frame::Neighbor { .. } | Frame::NeighborReply { .. } | Frame::Disconnect { .. } => {
                self.membership.handle(from, frame, &mut self.ctx, now_ms)
            }
            // Walks and replies travel over links: only a neighbor may send them.
            Frame::ForwardJoin { .. } | Frame::Shuffle { .. } | Frame::ShuffleReply { .. } => {
                if neighbor {
                    self.membership.handle(from, frame, &mut self.ctx, now_ms);
                } else {
                    self.not_neighbor(from, now_ms);
                }
            }
            // A payload is welcome from anyone (the app validates it); only neighbors shape the tree.
            Frame::Gossip { id, round, payload } => {
                if !neighbor {
                    self.stale_link(from, now_ms);
                }
                self.broadcast.on_gossip(from, id, round, payload, &mut self.ctx, now_ms)
            }
            Frame::IHave { ids } if neighbor => self.broadcast.on_ihave(from, ids, &mut self.ctx, now_ms),
            Frame::Graft { id, .. } if neighbor => self.broadcast.on_graft(from, id, &mut self.ctx),
            Frame::Prune if neighbor => self.broadcast.on_prune(from),
            Frame::Direct { payload } if neighbor => self.ctx.emit(MeshEvent::Direct { from, payload }),
            Frame::IHave { .. } | Frame::Graft { .. } | Frame::Prune | Frame::Direct { .. } => {
                self.not_neighbor(from, now_ms)
            }
        }
    }

    fn not_neighbor(&mut self, from: PeerId, now_ms: u64) {
        if !self.membership.recently_left(&from, now_ms) {
            self.ctx.offence(from, Offence::NotNeighbor, now_ms);
        }
        self.stale_link(from, now_ms);
    }

    /// The sender still treats us as a neighbor (a lost `Disconnect`): tell it again.
    fn stale_link(&mut self, from: PeerId, now_ms: u64) {
        if !self.membership.recently_left(&from, now_ms) {
            self.ctx.send(from, &Frame::Disconnect { alive: true });
            self.ctx.close(from);
        }
    }

    fn after_input(&mut self, now_ms: u64) {
        self.apply_topology(now_ms);
    }

    fn apply_topology(&mut self, now_ms: u64) {
        for (peer, up) in std::mem::take(&mut self.ctx.topology) {
            if up {
                self.broadcast.neighbor_up(peer);
            } else {
                self.broadcast.neighbor_down(peer, &mut self.ctx, now_ms);
            }
        }
    }
}
