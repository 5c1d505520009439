//! Misbehaviour accounting: what each sender did wrong, for the app to drop or penalise it.
//!
//! Owns the counters only; it never disconnects anyone itself. Bounded: at most `max` peers are
//! tracked, and when a new offender arrives the one whose last offence is oldest is forgotten.

use std::collections::HashMap;

use crate::identity::PeerId;

/// One kind of offence (docs/mesh.md, "Misbehaviour").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Offence {
    /// Bytes that do not decode as a frame.
    Malformed,
    /// A frame, payload or list above its limit.
    Oversized,
    /// A shuffle or forward-join listing ourselves, duplicates or impossible walk data, or more
    /// walks (`ForwardJoin`/`Shuffle`) per interval than allowed.
    FakePeers,
    /// A frame that only a neighbor may send (payload, announcement, graft, prune, direct) from a
    /// peer that is not in our active view.
    NotNeighbor,
    /// A peer we grafted for a payload it announced did not send it in time.
    UnansweredGraft,
    /// A neighbor that sent us no payload and no announcement across `silence_window` delivered
    /// messages.
    Silent,
}

/// Counts of each offence by one peer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub malformed: u32,
    pub oversized: u32,
    pub fake_peers: u32,
    pub not_neighbor: u32,
    pub unanswered_grafts: u32,
    pub silent: u32,
    /// The caller's time of the last offence.
    pub last_ms: u64,
}

impl Counters {
    pub fn total(&self) -> u32 {
        self.malformed
            .saturating_add(self.oversized)
            .saturating_add(self.fake_peers)
            .saturating_add(self.not_neighbor)
            .saturating_add(self.unanswered_grafts)
            .saturating_add(self.silent)
    }

    pub fn get(&self, offence: Offence) -> u32 {
        match offence {
            Offence::Malformed => self.malformed,
            Offence::Oversized => self.oversized,
            Offence::FakePeers => self.fake_peers,
            Offence::NotNeighbor => self.not_neighbor,
            Offence::UnansweredGraft => self.unanswered_grafts,
            Offence::Silent => self.silent,
        }
    }
}

#[derive(Debug)]
pub struct Penalties {
    by_peer: HashMap<PeerId, Counters>,
    max: usize,
}

impl Penalties {
    pub fn new(max: usize) -> Self {
        Penalties { by_peer: HashMap::new(), max: max.max(1) }
    }

    pub fn count(&mut self, peer: PeerId, offence: Offence, now_ms: u64) {
        if !self.by_peer.contains_key(&peer) && self.by_peer.len() >= self.max {
            let oldest = self.by_peer.iter().min_by_key(|(_, c)| c.last_ms).map(|(p, _)| *p);
            if let Some(oldest) = oldest {
                self.by_peer.remove(&oldest);
            }
        }
        let counters = self.by_peer.entry(peer).or_default();
        let slot = match offence {
            Offence::Malformed => &mut counters.malformed,
            Offence::Oversized => &mut counters.oversized,
            Offence::FakePeers => &mut counters.fake_peers,
            Offence::NotNeighbor => &mut counters.not_neighbor,
            Offence::UnansweredGraft => &mut counters.unanswered_grafts,
            Offence::Silent => &mut counters.silent,
        };
        *slot = slot.saturating_add(1);
        counters.last_ms = now_ms;
    }

    pub fn get(&self, peer: &PeerId) -> Option<&Counters> {
        self.by_peer.get(peer)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&PeerId, &Counters)> {
        self.by_peer.iter()
    }

    pub fn len(&self) -> usize {
        self.by_peer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_peer.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_forgets_the_oldest_offender() {
        let mut penalties = Penalties::new(2);
        penalties.count(PeerId([1; 32]), Offence::Malformed, 10);
        penalties.count(PeerId([2; 32]), Offence::Silent, 20);
        penalties.count(PeerId([1; 32]), Offence::Malformed, 30);
        penalties.count(PeerId([3; 32]), Offence::Oversized, 40);
        assert_eq!(penalties.len(), 2);
        assert!(penalties.get(&PeerId([2; 32])).is_none());
        assert_eq!(penalties.get(&PeerId([1; 32])).map(|c| c.malformed), Some(2));
        assert_eq!(penalties.get(&PeerId([3; 32])).map(Counters::total), Some(1));
    }
}
