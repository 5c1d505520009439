//! Broadcast: Plumtree over the active view. Eager links carry payloads, lazy links carry `IHave`
//! announcements; a missing payload is grafted from an announcer after a timeout, which repairs
//! the tree; duplicates prune it back. Also watches neighbors for forwarding (grafts answered,
//! probes acknowledged) and counts the ones that do not.
//!
//! Owns the eager/lazy split, the delivered-id and payload caches, the missing-id table and the
//! lazy queues; all bounded (see `BroadcastConfig`). Never decides membership: it follows the
//! active view through `neighbor_up`/`neighbor_down`.

use std::collections::HashMap;

use super::cache::{PayloadCache, SeenCache};
use super::config::BroadcastConfig;
use super::context::{Context, MeshEvent, Output};
use super::penalties::Offence;
use super::timers::Timer;
use super::wire::{encode, Frame, FrameKind, MessageId};
use crate::identity::PeerId;

#[derive(Debug)]
struct Missing {
    /// Neighbors that announced the id, with the round they offered it at.
    announcers: Vec<(PeerId, u16)>,
    /// The announcer we grafted and have not heard back from.
    grafted: Option<PeerId>,
    /// When the next graft step is due (a timer firing earlier is stale).
    due_ms: u64,
}

/// Evidence that a neighbor forwards: our delivery count when it last sent us a payload or an
/// announcement. An honest neighbor does one or the other for every message it did not get
/// first from us, so a long silence means it does not forward.
#[derive(Debug, Clone, Copy)]
struct Probe {
    since: u32,
}

/// Sizes of the broadcast layer's bounded state (for tests and the UI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BroadcastSizes {
    pub eager: usize,
    pub lazy: usize,
    pub seen: usize,
    pub cached: usize,
    pub cached_bytes: usize,
    pub missing: usize,
    pub queued_ihaves: usize,
}

#[derive(Debug)]
pub struct Broadcast {
    cfg: BroadcastConfig,
    max_ihave: usize,
    eager: Vec<PeerId>,
    lazy: Vec<PeerId>,
    seen: SeenCache,
    cache: PayloadCache,
    missing: HashMap<MessageId, Missing>,
    queue: Vec<(PeerId, Vec<(MessageId, u16)>)>,
    dispatch_scheduled: bool,
    probes: HashMap<PeerId, Probe>,
    delivered: u32,
}

impl Broadcast {
    pub fn new(cfg: BroadcastConfig, max_ihave: usize) -> Self {
        Broadcast {
            seen: SeenCache::new(cfg.seen_max, cfg.seen_ttl_ms),
            cache: PayloadCache::new(cfg.cache_max, cfg.cache_max_bytes, cfg.cache_ttl_ms),
            cfg,
            max_ihave: max_ihave.max(1),
            eager: Vec::new(),
            lazy: Vec::new(),
            missing: HashMap::new(),
            queue: Vec::new(),
            dispatch_scheduled: false,
            probes: HashMap::new(),
            delivered: 0,
        }
    }

    pub fn eager(&self) -> &[PeerId] {
        &self.eager
    }

    pub fn lazy(&self) -> &[PeerId] {
        &self.lazy
    }

    pub fn has_seen(&self, id: &MessageId) -> bool {
        self.seen.contains(id)
    }

    pub fn sizes(&self) -> BroadcastSizes {
        BroadcastSizes {
            eager: self.eager.len(),
            lazy: self.lazy.len(),
            seen: self.seen.len(),
            cached: self.cache.len(),
            cached_bytes: self.cache.bytes(),
            missing: self.missing.len(),
            queued_ihaves: self.queue.iter().map(|(_, ids)| ids.len()).sum(),
        }
    }

    fn is_neighbor(&self, peer: &PeerId) -> bool {
        self.eager.contains(peer) || self.lazy.contains(peer)
    }

    pub fn neighbor_up(&mut self, peer: PeerId) {
        if !self.is_neighbor(&peer) {
            self.eager.push(peer);
        }
        self.probes.insert(peer, Probe { since: self.delivered });
    }

    pub fn neighbor_down(&mut self, peer: PeerId, ctx: &mut Context, now_ms: u64) {
        self.eager.retain(|p| *p != peer);
        self.lazy.retain(|p| *p != peer);
        self.queue.retain(|(p, _)| *p != peer);
        self.probes.remove(&peer);
        for (id, missing) in self.missing.iter_mut() {
            missing.announcers.retain(|(p, _)| *p != peer);
            if missing.grafted == Some(peer) {
                missing.grafted = None;
                missing.due_ms = now_ms;
                ctx.timers.schedule(now_ms, Timer::Graft(*id));
            }
        }
    }

    /// Sends a payload that did not arrive by broadcast: our own (`from` = None), or one a
    /// neighbor gave us by reconciliation. False if it was already seen.
    pub fn originate(
        &mut self,
        id: MessageId,
        payload: Vec<u8>,
        from: Option<PeerId>,
        ctx: &mut Context,
        now_ms: u64,
    ) -> bool {
        if !self.seen.insert(id, now_ms) {
            return false;
        }
        self.missing.remove(&id);
        self.delivered = self.delivered.wrapping_add(1);
        self.forward(id, 0, &payload, from, ctx, now_ms);
        self.cache.insert(id, 0, payload, now_ms);
        true
    }

    #[allow(clippy::too_many_arguments)]
    pub fn on_gossip(
        &mut self,
        from: PeerId,
        id: MessageId,
        round: u16,
        payload: Vec<u8>,
        ctx: &mut Context,
        now_ms: u64,
    ) {
        let neighbor = self.is_neighbor(&from);
        if neighbor {
            self.sign(from);
        }
        if self.seen.contains(&id) {
            // A duplicate: the sender pushes to us eagerly, whatever we think of it. Ask it to
            // stop (pushes within the flood rounds are meant to overlap).
            if neighbor && round > self.cfg.flood_rounds {
                self.make_lazy(from);
                ctx.send(from, &Frame::Prune);
            }
            return;
        }
        self.seen.insert(id, now_ms);
        self.delivered = self.delivered.wrapping_add(1);
        if let Some(missing) = self.missing.remove(&id) {
            if neighbor {
                self.optimize(from, round, missing, ctx);
            }
        }
        self.forward(id, round, &payload, Some(from), ctx, now_ms);
        self.cache.insert(id, round, payload.clone(), now_ms);
        ctx.emit(MeshEvent::Received { id, payload, from, hops: round });
    }

    /// Plumtree's optimisation: an announcer offered the payload much closer to its origin than
    /// the eager path that delivered it; make the announcer eager and the sender lazy.
    fn optimize(&mut self, from: PeerId, round: u16, missing: Missing, ctx: &mut Context) {
        let best = missing.announcers.iter().filter(|(p, _)| self.is_neighbor(p)).min_by_key(|(_, r)| *r).copied();
        if let Some((announcer, offered)) = best {
            let threshold = self.cfg.optimize_threshold.max(1);
            if offered.saturating_add(threshold) <= round && announcer != from && !self.eager.contains(&announcer) {
                self.make_eager(announcer);
                ctx.send(announcer, &Frame::Graft { id: None, round: offered });
                if self.eager.contains(&from) {
                    self.make_lazy(from);
                    ctx.send(from, &Frame::Prune);
                }
            }
        }
    }

    pub fn on_ihave(&mut self, from: PeerId, ids: Vec<(MessageId, u16)>, ctx: &mut Context, now_ms: u64) {
        if !self.is_neighbor(&from) {
            return;
        }
        self.sign(from);
        for (id, round) in ids {
            if self.seen.contains(&id) {
                continue;
            }
            if !self.missing.contains_key(&id) {
                if self.missing.len() >= self.cfg.missing_max {
                    continue;
                }
                let due_ms = now_ms + self.cfg.graft_timeout_ms;
                self.missing.insert(id, Missing { announcers: Vec::new(), grafted: None, due_ms });
                ctx.timers.schedule(due_ms, Timer::Graft(id));
            }
            if let Some(missing) = self.missing.get_mut(&id) {
                if missing.announcers.len() < self.cfg.announcers_max
                    && !missing.announcers.iter().any(|(p, _)| *p == from)
                {
                    missing.announcers.push((from, round));
                }
            }
        }
    }

    pub fn on_graft(&mut self, from: PeerId, id: Option<MessageId>, ctx: &mut Context) {
        if !self.is_neighbor(&from) {
            return;
        }
        // A graft without id is the optimisation step: always a tree change. With an id it is a
        // repair, which changes the tree only if so configured.
        if id.is_none() || self.cfg.graft_repairs_tree {
            self.make_eager(from);
        }
        if let Some(id) = id {
            if let Some((round, payload)) = self.cache.get(&id) {
                let frame = Frame::Gossip { id, round: round.saturating_add(1), payload: payload.clone() };
                ctx.send(from, &frame);
            }
        }
    }

    pub fn on_prune(&mut self, from: PeerId) {
        if self.is_neighbor(&from) {
            self.make_lazy(from);
        }
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Context, now_ms: u64) {
        match timer {
            Timer::Graft(id) => self.on_graft_timer(id, ctx, now_ms),
            Timer::Dispatch => {
                self.dispatch_scheduled = false;
                for (peer, ids) in std::mem::take(&mut self.queue) {
                    if !ids.is_empty() {
                        ctx.send(peer, &Frame::IHave { ids });
                    }
                }
            }
            Timer::Maintain => self.maintain(ctx, now_ms),
            _ => {}
        }
    }

    fn on_graft_timer(&mut self, id: MessageId, ctx: &mut Context, now_ms: u64) {
        if self.seen.contains(&id) {
            self.missing.remove(&id);
            return;
        }
        let Some(missing) = self.missing.get_mut(&id) else { return };
        if missing.due_ms > now_ms {
            return;
        }
        if let Some(silent) = missing.grafted.take() {
            ctx.offence(silent, Offence::UnansweredGraft, now_ms);
            missing.announcers.retain(|(p, _)| *p != silent);
        }
        let neighbors: Vec<PeerId> = self.eager.iter().chain(self.lazy.iter()).copied().collect();
        let next = missing.announcers.iter().filter(|(p, _)| neighbors.contains(p)).min_by_key(|(_, r)| *r).copied();
        match next {
            Some((peer, round)) => {
                missing.grafted = Some(peer);
                missing.due_ms = now_ms + self.cfg.graft_retry_ms;
                ctx.timers.schedule(missing.due_ms, Timer::Graft(id));
                ctx.send(peer, &Frame::Graft { id: Some(id), round });
                if self.cfg.graft_repairs_tree {
                    self.make_eager(peer);
                }
            }
            None => {
                self.missing.remove(&id);
            }
        }
    }

    /// Counts neighbors silent for a whole window (and stops pushing to them), and drops expired
    /// cache entries.
    fn maintain(&mut self, ctx: &mut Context, now_ms: u64) {
        let window = self.cfg.silence_window.max(1);
        let mut silent = Vec::new();
        for (peer, probe) in self.probes.iter_mut() {
            if self.delivered.wrapping_sub(probe.since) >= window {
                probe.since = self.delivered;
                silent.push(*peer);
            }
        }
        for peer in silent {
            ctx.offence(peer, Offence::Silent, now_ms);
            self.make_lazy(peer);
        }
        self.seen.expire(now_ms);
        self.cache.expire(now_ms);
    }

    /// Pushes the payload to eager neighbors (every neighbor within `flood_rounds`) and queues an
    /// announcement for the others.
    fn forward(
        &mut self,
        id: MessageId,
        round: u16,
        payload: &[u8],
        from: Option<PeerId>,
        ctx: &mut Context,
        now_ms: u64,
    ) {
        let out = round.saturating_add(1);
        let flood = out <= self.cfg.flood_rounds;
        let mut bytes = None;
        let neighbors: Vec<PeerId> = self.eager.iter().chain(self.lazy.iter()).copied().collect();
        for peer in neighbors {
            if Some(peer) == from {
                continue;
            }
            if !(flood || self.eager.contains(&peer)) {
                self.queue_ihave(peer, id, out, ctx, now_ms);
                continue;
            }
            let bytes = bytes
                .get_or_insert_with(|| encode(&Frame::Gossip { id, round: out, payload: payload.to_vec() }))
                .clone();
            ctx.push(Output::Transmit { to: peer, kind: FrameKind::Gossip, bytes });
        }
    }

    /// A neighbor forwarded something to us (a payload or an announcement).
    fn sign(&mut self, peer: PeerId) {
        let delivered = self.delivered;
        if let Some(probe) = self.probes.get_mut(&peer) {
            probe.since = delivered;
        }
    }

    fn queue_ihave(&mut self, peer: PeerId, id: MessageId, round: u16, ctx: &mut Context, now_ms: u64) {
        let at = match self.queue.iter().position(|(p, _)| *p == peer) {
            Some(at) => at,
            None => {
                self.queue.push((peer, Vec::new()));
                self.queue.len() - 1
            }
        };
        let ids = &mut self.queue[at].1;
        ids.push((id, round));
        if ids.len() >= self.max_ihave {
            let ids = std::mem::take(ids);
            ctx.send(peer, &Frame::IHave { ids });
        }
        if !self.dispatch_scheduled {
            self.dispatch_scheduled = true;
            ctx.timers.schedule(now_ms + self.cfg.ihave_delay_ms, Timer::Dispatch);
        }
    }

    fn make_eager(&mut self, peer: PeerId) {
        if self.lazy.contains(&peer) {
            self.lazy.retain(|p| *p != peer);
            self.eager.push(peer);
        }
    }

    fn make_lazy(&mut self, peer: PeerId) {
        if self.eager.contains(&peer) {
            self.eager.retain(|p| *p != peer);
            self.lazy.push(peer);
        }
    }
}
