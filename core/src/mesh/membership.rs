//! Membership: HyParView's active view (the links we keep) and passive view (contacts to replace
//! them), joins with random walks, neighbor requests with priority, shuffles, failure handling.
//!
//! Owns both views and the pending neighbor requests; reports active-view changes through the
//! context (`NeighborUp`/`NeighborDown` and `Context::topology`). Never trusts a frame's lists:
//! every list is bounded on the wire and checked again here, and only neighbors may start walks.

use std::collections::HashMap;

use super::config::MembershipConfig;
use super::context::{Context, MeshEvent};
use super::penalties::Offence;
use super::timers::Timer;
use super::views::PeerSet;
use super::wire::Frame;
use crate::identity::PeerId;

/// How long frames from a peer that just left the active view are ignored without counting
/// (frames in flight when the link went away).
const GRACE_MS: u64 = 5_000;

/// Bootstrap contacts remembered.
const MAX_CONTACTS: usize = 8;

/// Former neighbors remembered.
const MAX_HISTORY: usize = 16;

#[derive(Debug)]
pub struct Membership {
    me: PeerId,
    cfg: MembershipConfig,
    active: PeerSet,
    passive: PeerSet,
    /// Neighbor requests (and joins) awaiting an answer: peer → deadline.
    pending: HashMap<PeerId, u64>,
    /// Peers that recently left the active view → until when their frames are tolerated.
    recent: HashMap<PeerId, u64>,
    /// Walks (`ForwardJoin`, `Shuffle`) received per neighbor in the current interval.
    walks: HashMap<PeerId, u32>,
    /// Joins and high-priority requests accepted in the current interval (bounds view churn).
    forced: u32,
    /// A shuffle of ours is on its way; only then is a reply taken into the passive view.
    shuffle_pending: bool,
    /// Bootstrap contacts, kept to join again if every link and contact is lost.
    contacts: Vec<PeerId>,
    /// Whether we are linked into the swarm by our own doing (our join or a neighbor request was
    /// accepted), or founded it. Until then we take no joins: a peer whose own join is still
    /// pending would otherwise seed an island of newcomers that never meets the swarm.
    anchored: bool,
    /// Former neighbors, newest last: candidates that survive the passive view's churn, so an
    /// island or a healed partition can reach the peers it was linked with before.
    history: Vec<PeerId>,
    /// Joins handled in the current interval (each starts random walks).
    joins: u32,
    /// Delay before the next attempt to fill free slots (doubles while nothing succeeds).
    maintain_backoff_ms: u64,
    next_fill_ms: u64,
    next_rotate_ms: u64,
}

impl Membership {
    pub fn new(me: PeerId, cfg: MembershipConfig) -> Self {
        let active = PeerSet::new(cfg.active_max);
        let passive = PeerSet::new(cfg.passive_max);
        let backoff = cfg.maintain_interval_ms;
        Membership {
            me,
            cfg,
            active,
            passive,
            pending: HashMap::new(),
            recent: HashMap::new(),
            walks: HashMap::new(),
            forced: 0,
            shuffle_pending: false,
            contacts: Vec::new(),
            history: Vec::new(),
            anchored: false,
            joins: 0,
            maintain_backoff_ms: backoff,
            next_fill_ms: 0,
            next_rotate_ms: 0,
        }
    }

    pub fn active(&self) -> &[PeerId] {
        self.active.as_slice()
    }

    pub fn passive(&self) -> &[PeerId] {
        self.passive.as_slice()
    }

    /// Bootstrap contacts and former neighbors (for the UI's picture of the mesh).
    pub fn contacts(&self) -> &[PeerId] {
        &self.contacts
    }

    pub fn history(&self) -> &[PeerId] {
        &self.history
    }

    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_neighbor(&self, peer: &PeerId) -> bool {
        self.active.contains(peer)
    }

    /// Whether a frame from this non-neighbor may be in flight from a link that just closed.
    pub fn recently_left(&self, peer: &PeerId, now_ms: u64) -> bool {
        self.recent.get(peer).is_some_and(|until| *until >= now_ms)
    }

    /// Adds bootstrap contacts and asks them to take us in.
    pub fn join(&mut self, contacts: &[PeerId], ctx: &mut Context, now_ms: u64) {
        let me = self.me;
        if contacts.iter().all(|c| *c == me) && self.active.is_empty() {
            // No one to ask: we found the swarm.
            self.anchored = true;
        }
        for contact in contacts.iter().filter(|c| **c != me) {
            if self.contacts.len() < MAX_CONTACTS && !self.contacts.contains(contact) {
                self.contacts.push(*contact);
            }
            if self.active.contains(contact) || self.pending.contains_key(contact) {
                continue;
            }
            if self.active.len() + self.pending.len() < self.cfg.active_max {
                self.send_join(*contact, ctx, now_ms);
            } else {
                self.add_passive(*contact, ctx);
            }
        }
    }

    /// Leaves the swarm: tells every neighbor we are going away.
    pub fn leave(&mut self, ctx: &mut Context) {
        for peer in self.active.as_slice().to_vec() {
            ctx.send(peer, &Frame::Disconnect { alive: false });
            self.drop_active(peer, ctx, 0);
        }
        self.pending.clear();
    }

    /// A membership frame from `from` (the caller checked that it is one).
    pub fn handle(&mut self, from: PeerId, frame: Frame, ctx: &mut Context, now_ms: u64) {
        match frame {
            Frame::Join => self.on_join(from, ctx, now_ms),
            Frame::ForwardJoin { peer, ttl } => self.on_forward_join(from, peer, ttl, ctx, now_ms),
            Frame::Neighbor { high } => self.on_neighbor(from, high, ctx, now_ms),
            Frame::NeighborReply { accepted, peers } => self.on_neighbor_reply(from, accepted, peers, ctx, now_ms),
            Frame::Disconnect { alive } => self.on_disconnect(from, alive, ctx, now_ms),
            Frame::Shuffle { origin, ttl, path, peers } => self.on_shuffle(from, origin, ttl, path, peers, ctx, now_ms),
            Frame::ShuffleReply { path, peers } => self.on_shuffle_reply(from, path, peers, ctx, now_ms),
            _ => {}
        }
    }

    /// The transport lost the link to `peer`, or could not open it.
    pub fn link_down(&mut self, peer: PeerId, ctx: &mut Context, now_ms: u64) {
        let was_pending = self.pending.remove(&peer).is_some();
        let was_active = self.active.contains(&peer);
        if !was_pending && !was_active {
            // A link we no longer use (a refused request, a finished shuffle hop) closed.
            return;
        }
        self.passive.remove(&peer);
        if was_active {
            self.drop_active(peer, ctx, now_ms);
        }
        self.fill(ctx, now_ms);
    }

    pub fn on_timer(&mut self, timer: Timer, ctx: &mut Context, now_ms: u64) {
        match timer {
            Timer::Shuffle => self.on_shuffle_timer(ctx, now_ms),
            Timer::Maintain => self.on_maintain_timer(ctx, now_ms),
            Timer::NeighborTimeout(peer) if self.pending.get(&peer).is_some_and(|deadline| *deadline <= now_ms) => {
                self.pending.remove(&peer);
                self.passive.remove(&peer);
                ctx.close(peer);
                self.fill(ctx, now_ms);
            }
            _ => {}
        }
    }

    /// Schedules the periodic timers (first input only), spread over one interval.
    pub fn start(&mut self, ctx: &mut Context, now_ms: u64) {
        let spread = |ctx: &mut Context, interval: u64| {
            now_ms + 1 + super::views::index(&mut ctx.rng, interval.max(1) as usize) as u64
        };
        let at = spread(ctx, self.cfg.shuffle_interval_ms);
        ctx.timers.schedule(at, Timer::Shuffle);
        let at = spread(ctx, self.cfg.maintain_interval_ms);
        ctx.timers.schedule(at, Timer::Maintain);
        self.next_rotate_ms = spread(ctx, self.cfg.rotate_interval_ms);
    }

    fn on_join(&mut self, from: PeerId, ctx: &mut Context, now_ms: u64) {
        if from == self.me {
            return;
        }
        // Joins start walks through the swarm: at most a few per interval are handled at all, and
        // none while we are not linked into it ourselves.
        self.joins += 1;
        if !self.anchored || self.joins > self.cfg.max_joins_per_interval {
            self.refuse(from, ctx);
            return;
        }
        // A contact takes a newcomer even into a full view, up to a bounded number per interval;
        // beyond that only into a free slot, so a burst of (fake) joins cannot churn the whole
        // view. Either way the random walks introduce the newcomer to others.
        let forced = self.forced < self.cfg.max_forced_per_interval;
        if self.accept(from, forced, ctx, now_ms) {
            ctx.send(from, &Frame::NeighborReply { accepted: true, peers: Vec::new() });
        } else {
            self.refuse(from, ctx);
            self.add_passive(from, ctx);
        }
        let ttl = self.cfg.active_walk;
        for peer in self.active.as_slice().to_vec() {
            if peer != from {
                ctx.send(peer, &Frame::ForwardJoin { peer: from, ttl });
            }
        }
    }

    fn on_forward_join(&mut self, from: PeerId, peer: PeerId, ttl: u8, ctx: &mut Context, now_ms: u64) {
        if !self.walk_allowed(from, ctx, now_ms) {
            return;
        }
        if ttl > self.cfg.active_walk {
            ctx.offence(from, Offence::FakePeers, now_ms);
            return;
        }
        if peer == self.me || peer == from || self.active.contains(&peer) {
            return;
        }
        if ttl == 0 || self.active.len() <= 1 {
            if self.pending.len() < self.cfg.active_max && !self.pending.contains_key(&peer) {
                self.request(peer, true, ctx, now_ms);
            } else {
                self.add_passive(peer, ctx);
            }
            return;
        }
        if ttl == self.cfg.passive_walk {
            self.add_passive(peer, ctx);
        }
        if let Some(next) = self.active.pick(&mut ctx.rng, &[from, peer]) {
            ctx.send(next, &Frame::ForwardJoin { peer, ttl: ttl - 1 });
        }
    }

    fn on_neighbor(&mut self, from: PeerId, high: bool, ctx: &mut Context, now_ms: u64) {
        if from == self.me {
            return;
        }
        let forced = high && self.forced < self.cfg.max_forced_per_interval;
        if self.accept(from, forced, ctx, now_ms) {
            self.pending.remove(&from);
            ctx.send(from, &Frame::NeighborReply { accepted: true, peers: Vec::new() });
        } else {
            self.refuse(from, ctx);
            self.add_passive(from, ctx);
        }
    }

    fn on_neighbor_reply(&mut self, from: PeerId, accepted: bool, peers: Vec<PeerId>, ctx: &mut Context, now_ms: u64) {
        if self.pending.remove(&from).is_none() {
            return;
        }
        if accepted {
            // We asked, so we take it even if the view filled up meanwhile.
            self.accept(from, true, ctx, now_ms);
            self.anchored = true;
            self.maintain_backoff_ms = self.cfg.maintain_interval_ms;
            return;
        }
        self.add_passive(from, ctx);
        ctx.close(from);
        if peers.len() > self.cfg.shuffle_active + self.cfg.shuffle_passive {
            ctx.offence(from, Offence::FakePeers, now_ms);
        } else {
            for peer in peers {
                self.add_passive(peer, ctx);
            }
        }
        // Back off while refused, but not for long while below half a view.
        let most = if self.active.len() < self.cfg.active_max.div_ceil(2) { 4 } else { 16 };
        self.maintain_backoff_ms = (self.maintain_backoff_ms * 2).min(most * self.cfg.maintain_interval_ms);
        self.next_fill_ms = now_ms + self.maintain_backoff_ms;
    }

    /// Says no, naming peers to ask instead (neighbors, passive and bootstrap contacts), so that a
    /// refused newcomer is not left knowing nobody.
    fn refuse(&mut self, to: PeerId, ctx: &mut Context) {
        let most = self.cfg.shuffle_active + self.cfg.shuffle_passive;
        let mut peers = self.active.sample(&mut ctx.rng, self.cfg.shuffle_active, &[to]);
        peers.extend(self.passive.sample(&mut ctx.rng, most - peers.len(), &[to]));
        for contact in &self.contacts {
            if peers.len() < most && *contact != to && !peers.contains(contact) {
                peers.push(*contact);
            }
        }
        ctx.send(to, &Frame::NeighborReply { accepted: false, peers });
        ctx.close(to);
    }

    fn on_disconnect(&mut self, from: PeerId, alive: bool, ctx: &mut Context, now_ms: u64) {
        self.pending.remove(&from);
        if self.active.contains(&from) {
            self.drop_active(from, ctx, now_ms);
            ctx.close(from);
            if alive {
                self.add_passive(from, ctx);
            }
            self.fill(ctx, now_ms);
        } else if !alive {
            self.passive.remove(&from);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_shuffle(
        &mut self,
        from: PeerId,
        origin: PeerId,
        ttl: u8,
        mut path: Vec<PeerId>,
        peers: Vec<PeerId>,
        ctx: &mut Context,
        now_ms: u64,
    ) {
        if !self.walk_allowed(from, ctx, now_ms) {
            return;
        }
        let most = self.cfg.shuffle_active + self.cfg.shuffle_passive + 1;
        let hops = path.len();
        if peers.len() > most
            || ttl > self.cfg.shuffle_walk
            || hops == 0
            || hops > self.cfg.shuffle_walk as usize + 1
            || path.first() != Some(&origin)
            || path.last() != Some(&from)
            || path.contains(&self.me)
        {
            ctx.offence(from, Offence::FakePeers, now_ms);
            return;
        }
        if ttl > 0 && self.active.len() > 1 {
            if let Some(next) = self.active.pick(&mut ctx.rng, &path) {
                path.push(self.me);
                ctx.send(next, &Frame::Shuffle { origin, ttl: ttl - 1, path, peers });
                return;
            }
        }
        let mut reply = self.passive.sample(&mut ctx.rng, peers.len(), &[origin]);
        if reply.len() < peers.len() {
            let more = self.active.sample(&mut ctx.rng, peers.len() - reply.len(), &[origin]);
            reply.extend(more);
        }
        path.pop();
        ctx.send(from, &Frame::ShuffleReply { path, peers: reply });
        for peer in peers {
            self.add_passive(peer, ctx);
        }
    }

    fn on_shuffle_reply(
        &mut self,
        from: PeerId,
        mut path: Vec<PeerId>,
        peers: Vec<PeerId>,
        ctx: &mut Context,
        now_ms: u64,
    ) {
        if peers.len() > self.cfg.shuffle_active + self.cfg.shuffle_passive + 1 || path.contains(&self.me) {
            ctx.offence(from, Offence::FakePeers, now_ms);
            return;
        }
        match path.pop() {
            None => {
                if !self.shuffle_pending {
                    return;
                }
                self.shuffle_pending = false;
                for peer in peers {
                    self.add_passive(peer, ctx);
                }
            }
            Some(next) => {
                if self.active.contains(&next) {
                    ctx.send(next, &Frame::ShuffleReply { path, peers });
                }
            }
        }
    }

    fn on_shuffle_timer(&mut self, ctx: &mut Context, now_ms: u64) {
        // A thin passive view (a newcomer's, or after many failures) is the only reserve when
        // links die: refill it five times as often until it is half full.
        let interval = if self.passive.len() < self.cfg.passive_max / 2 {
            self.cfg.shuffle_interval_ms / 5
        } else {
            self.cfg.shuffle_interval_ms
        };
        ctx.timers.schedule(now_ms + interval.max(1), Timer::Shuffle);
        self.walks.clear();
        self.forced = 0;
        self.joins = 0;
        if let Some(target) = self.active.pick(&mut ctx.rng, &[]) {
            let mut peers = vec![self.me];
            peers.extend(self.active.sample(&mut ctx.rng, self.cfg.shuffle_active, &[target]));
            peers.extend(self.passive.sample(&mut ctx.rng, self.cfg.shuffle_passive, &[target]));
            self.shuffle_pending = true;
            let frame = Frame::Shuffle { origin: self.me, ttl: self.cfg.shuffle_walk, path: vec![self.me], peers };
            ctx.send(target, &frame);
        }
    }

    fn on_maintain_timer(&mut self, ctx: &mut Context, now_ms: u64) {
        ctx.timers.schedule(now_ms + self.cfg.maintain_interval_ms, Timer::Maintain);
        self.recent.retain(|_, until| *until >= now_ms);
        if now_ms >= self.next_fill_ms {
            self.fill(ctx, now_ms);
        }
        if now_ms >= self.next_rotate_ms {
            let interval = self.cfg.rotate_interval_ms.max(4);
            self.next_rotate_ms =
                now_ms + interval * 3 / 4 + super::views::index(&mut ctx.rng, interval as usize / 2) as u64;
            self.rotate(ctx, now_ms);
        }
    }

    /// A peer swaps one random link (if its view is full) for a contact: a high-priority request (the receiver's
    /// forced accepts are bounded per interval), and a random link dropped when it is accepted. Bootstrap contacts are drawn now and then too, so
    /// an island whose passive views know only each other still finds the rest of the swarm.
    fn rotate(&mut self, ctx: &mut Context, now_ms: u64) {
        if self.active.is_empty() || !self.pending.is_empty() {
            return;
        }
        if let Some(candidate) = self.far_candidate(ctx) {
            self.request(candidate, true, ctx, now_ms);
        }
    }

    /// A contact for rotation or for a peer whose passive view ran dry: half the time from the
    /// passive view, else a former neighbor or a bootstrap contact (never a current neighbor or
    /// a pending one); an empty source falls through to the next.
    fn far_candidate(&mut self, ctx: &mut Context) -> Option<PeerId> {
        let start = super::views::index(&mut ctx.rng, 4);
        for step in 0..4 {
            let pool: &[PeerId] = match (start + step) % 4 {
                0 | 1 => self.passive.as_slice(),
                2 => &self.history,
                _ => &self.contacts,
            };
            let free: Vec<PeerId> =
                pool.iter().filter(|p| !self.active.contains(p) && !self.pending.contains_key(p)).copied().collect();
            if !free.is_empty() {
                return Some(free[super::views::index(&mut ctx.rng, free.len())]);
            }
        }
        None
    }

    /// Asks random passive contacts to fill free active slots. A peer with no link at all joins
    /// again (through a passive contact or a bootstrap contact), which starts new random walks.
    fn fill(&mut self, ctx: &mut Context, now_ms: u64) {
        if self.active.is_empty() && self.pending.is_empty() {
            let candidate = self.far_candidate(ctx);
            if let Some(candidate) = candidate {
                self.send_join(candidate, ctx, now_ms);
            }
        }
        let needy = self.cfg.active_max.div_ceil(2);
        while self.active.len() + self.pending.len() < self.cfg.active_max {
            let busy: Vec<PeerId> = self.pending.keys().copied().collect();
            let candidate = match self.passive.pick(&mut ctx.rng, &busy) {
                Some(candidate) => candidate,
                // Few links and no contacts left: try former neighbors and bootstrap contacts.
                None if self.active.len() < needy => match self.far_candidate(ctx) {
                    Some(candidate) if !busy.contains(&candidate) => candidate,
                    _ => break,
                },
                None => break,
            };
            // HyParView asks with high priority only when alone; we do so while below half the
            // view, so that a small island (two peers holding each other) still gets taken in.
            let high = self.active.len() < needy;
            self.request(candidate, high, ctx, now_ms);
        }
        self.next_fill_ms = now_ms + self.maintain_backoff_ms;
    }

    fn send_join(&mut self, peer: PeerId, ctx: &mut Context, now_ms: u64) {
        let deadline = now_ms + self.cfg.neighbor_timeout_ms;
        self.pending.insert(peer, deadline);
        ctx.timers.schedule(deadline, Timer::NeighborTimeout(peer));
        ctx.send(peer, &Frame::Join);
    }

    fn request(&mut self, peer: PeerId, high: bool, ctx: &mut Context, now_ms: u64) {
        let deadline = now_ms + self.cfg.neighbor_timeout_ms;
        self.pending.insert(peer, deadline);
        ctx.timers.schedule(deadline, Timer::NeighborTimeout(peer));
        ctx.send(peer, &Frame::Neighbor { high });
    }

    /// Takes `peer` into the active view, evicting a random neighbor if `forced` and full.
    fn accept(&mut self, peer: PeerId, forced: bool, ctx: &mut Context, now_ms: u64) -> bool {
        if self.active.contains(&peer) {
            return true;
        }
        if self.active.is_full() {
            if !forced {
                return false;
            }
            self.forced += 1;
            if let Some(victim) = self.victim(ctx) {
                ctx.send(victim, &Frame::Disconnect { alive: true });
                self.drop_active(victim, ctx, now_ms);
                ctx.close(victim);
                self.add_passive(victim, ctx);
            }
        }
        self.passive.remove(&peer);
        self.recent.remove(&peer);
        self.active.insert(peer);
        self.history.retain(|p| *p != peer);
        if self.history.len() >= MAX_HISTORY {
            self.history.remove(0);
        }
        self.history.push(peer);
        ctx.topology.push((peer, true));
        ctx.emit(MeshEvent::NeighborUp(peer));
        true
    }

    /// The neighbor to drop for a forced accept.
    fn victim(&mut self, ctx: &mut Context) -> Option<PeerId> {
        self.active.pick(&mut ctx.rng, &[])
    }

    fn drop_active(&mut self, peer: PeerId, ctx: &mut Context, now_ms: u64) {
        if self.active.remove(&peer) {
            self.walks.remove(&peer);
            if self.active.is_empty() {
                self.anchored = false;
            }
            if self.recent.len() < 4 * self.cfg.active_max {
                self.recent.insert(peer, now_ms + GRACE_MS);
            }
            ctx.topology.push((peer, false));
            ctx.emit(MeshEvent::NeighborDown(peer));
        }
    }

    fn add_passive(&mut self, peer: PeerId, ctx: &mut Context) {
        if peer != self.me && !self.active.contains(&peer) {
            self.passive.insert_evicting(peer, &mut ctx.rng);
        }
    }

    /// Counts a walk from `from`; false (and counted) beyond the per-interval limit.
    fn walk_allowed(&mut self, from: PeerId, ctx: &mut Context, now_ms: u64) -> bool {
        let count = self.walks.entry(from).or_insert(0);
        *count += 1;
        if *count > self.cfg.max_walks_per_interval {
            ctx.offence(from, Offence::FakePeers, now_ms);
            return false;
        }
        true
    }
}
