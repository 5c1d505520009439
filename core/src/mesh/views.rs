//! Small bounded peer sets (the active and passive views) and the seeded random choices over them.
//!
//! Owns only storage and sampling; the membership rules live in `membership`. A set never holds
//! more than its capacity: inserting into a full set is refused or evicts, as the caller chooses.

use rand_chacha::rand_core::RngCore;
use rand_chacha::ChaCha8Rng;

use crate::identity::PeerId;

/// A uniform index below `n` (`n > 0`). The modulo bias is below 2^-40 for the sizes used here.
pub fn index(rng: &mut ChaCha8Rng, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

/// A set of at most `capacity` peers in insertion order (small: linear scans are fastest).
#[derive(Debug, Clone)]
pub struct PeerSet {
    peers: Vec<PeerId>,
    capacity: usize,
}

impl PeerSet {
    pub fn new(capacity: usize) -> Self {
        PeerSet { peers: Vec::with_capacity(capacity), capacity }
    }

    pub fn len(&self) -> usize {
        self.peers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.peers.len() >= self.capacity
    }

    pub fn contains(&self, peer: &PeerId) -> bool {
        self.peers.contains(peer)
    }

    pub fn as_slice(&self) -> &[PeerId] {
        &self.peers
    }

    /// Inserts if there is room and the peer is new; returns whether it is now in the set.
    pub fn insert(&mut self, peer: PeerId) -> bool {
        if self.contains(&peer) {
            return true;
        }
        if self.is_full() {
            return false;
        }
        self.peers.push(peer);
        true
    }

    /// Inserts, evicting a random member when full; returns the evicted peer.
    pub fn insert_evicting(&mut self, peer: PeerId, rng: &mut ChaCha8Rng) -> Option<PeerId> {
        if self.contains(&peer) || self.capacity == 0 {
            return None;
        }
        let evicted = if self.is_full() { Some(self.peers.swap_remove(index(rng, self.peers.len()))) } else { None };
        self.peers.push(peer);
        evicted
    }

    pub fn remove(&mut self, peer: &PeerId) -> bool {
        match self.peers.iter().position(|p| p == peer) {
            Some(at) => {
                self.peers.swap_remove(at);
                true
            }
            None => false,
        }
    }

    /// A random member not in `except`.
    pub fn pick(&self, rng: &mut ChaCha8Rng, except: &[PeerId]) -> Option<PeerId> {
        let candidates = self.peers.iter().filter(|p| !except.contains(p)).count();
        if candidates == 0 {
            return None;
        }
        let nth = index(rng, candidates);
        self.peers.iter().filter(|p| !except.contains(p)).nth(nth).copied()
    }

    /// Up to `n` distinct random members not in `except`.
    pub fn sample(&self, rng: &mut ChaCha8Rng, n: usize, except: &[PeerId]) -> Vec<PeerId> {
        let mut pool: Vec<PeerId> = self.peers.iter().filter(|p| !except.contains(p)).copied().collect();
        let n = n.min(pool.len());
        for i in 0..n {
            let j = i + index(rng, pool.len() - i);
            pool.swap(i, j);
        }
        pool.truncate(n);
        pool
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::rand_core::SeedableRng;

    use super::*;

    #[test]
    fn never_exceeds_capacity() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut set = PeerSet::new(3);
        for n in 0..100u8 {
            set.insert_evicting(PeerId([n; 32]), &mut rng);
            assert!(set.len() <= 3);
        }
        assert!(!set.insert(PeerId([200; 32])));
        let sample = set.sample(&mut rng, 10, &[]);
        assert_eq!(sample.len(), 3);
        let except = set.as_slice()[0];
        for _ in 0..20 {
            assert_ne!(set.pick(&mut rng, &[except]), Some(except));
        }
    }
}
