//! The jury draw: which identities judge a case. Deterministic from the book, the case id and the
//! time, so every peer seats the same jury; never draws randomness.

use std::cmp::Reverse;

use sha2::{Digest, Sha256};

use super::KarmaBook;
use crate::identity::PeerId;
use crate::wire::EventId;

/// The pool a jury is drawn from holds this many candidates per seat, the best by standing.
pub const JURY_POOL_FACTOR: usize = 3;

/// The draw order of `peer` for `case`: SHA-256(case ‖ peer).
fn draw_key(case: &EventId, peer: &PeerId) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(case.0);
    hasher.update(peer.0);
    hasher.finalize().into()
}

impl KarmaBook {
    /// Deterministic jury for `case`: from identities with standing > 0 not in `exclude`, the
    /// `JURY_POOL_FACTOR · size` best by standing (ties by id), then the `size` of them with the
    /// lowest SHA-256(case ‖ peer), in that order. Fewer if not enough are eligible.
    pub fn jurors(&self, case: EventId, exclude: &[PeerId], size: usize, at_ms: u64) -> Vec<PeerId> {
        if size == 0 {
            return Vec::new();
        }
        let mut eligible: Vec<(u32, PeerId)> = self
            .records
            .keys()
            .filter(|peer| !exclude.contains(peer))
            .map(|peer| (self.standing(peer, at_ms), *peer))
            .filter(|(standing, _)| *standing > 0)
            .collect();
        eligible.sort_by_key(|(standing, peer)| (Reverse(*standing), *peer));
        eligible.truncate(size.saturating_mul(JURY_POOL_FACTOR));
        let mut pool: Vec<([u8; 32], PeerId)> =
            eligible.into_iter().map(|(_, peer)| (draw_key(&case, &peer), peer)).collect();
        pool.sort();
        pool.into_iter().take(size).map(|(_, peer)| peer).collect()
    }
}
