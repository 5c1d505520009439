//! Mesh configuration: view sizes, walk lengths, timers and the bounds of every cache and queue.
//!
//! Owns the defaults (docs/mesh.md lists them). All times are milliseconds of the caller's clock.

use super::wire::WireLimits;

/// Membership (HyParView) parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipConfig {
    /// Most links in the active view (the degree); the browser test caps it at 3.
    pub active_max: usize,
    /// Most contacts in the passive view.
    pub passive_max: usize,
    /// Length of the `ForwardJoin` random walk (ARWL).
    pub active_walk: u8,
    /// TTL at which a `ForwardJoin` puts the newcomer into the passive view (PRWL).
    pub passive_walk: u8,
    /// Length of the shuffle random walk.
    pub shuffle_walk: u8,
    /// Active and passive peers sent in one shuffle (the origin itself is added).
    pub shuffle_active: usize,
    pub shuffle_passive: usize,
    /// Time between two shuffles of one peer.
    pub shuffle_interval_ms: u64,
    /// A `Neighbor` request without an answer within this time failed.
    pub neighbor_timeout_ms: u64,
    /// Time between two attempts to fill a free active slot from the passive view.
    pub maintain_interval_ms: u64,
    /// Time between two attempts of a peer with a full view to swap one link for a passive contact
    /// (keeps the overlay random and merges islands and healed partitions).
    pub rotate_interval_ms: u64,
    /// Joins handled per shuffle interval (each starts random walks); more are refused.
    pub max_joins_per_interval: u32,
    /// Forced accepts (a join or high-priority request taken into a full view, dropping a link)
    /// per shuffle interval; beyond this only free slots are offered. Bounds churn by strangers.
    pub max_forced_per_interval: u32,
    /// Most `ForwardJoin` and `Shuffle` frames accepted from one peer per shuffle interval;
    /// more are dropped and counted against it.
    pub max_walks_per_interval: u32,
}

impl Default for MembershipConfig {
    fn default() -> Self {
        MembershipConfig {
            active_max: 5,
            passive_max: 30,
            active_walk: 6,
            passive_walk: 3,
            shuffle_walk: 6,
            shuffle_active: 3,
            shuffle_passive: 4,
            shuffle_interval_ms: 10_000,
            neighbor_timeout_ms: 2_000,
            maintain_interval_ms: 1_000,
            rotate_interval_ms: 20_000,
            max_joins_per_interval: 40,
            max_forced_per_interval: 20,
            max_walks_per_interval: 64,
        }
    }
}

/// Broadcast (Plumtree) parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastConfig {
    /// Wait after the first `IHave` for an id before grafting its announcer.
    pub graft_timeout_ms: u64,
    /// Wait after a `Graft` before asking the next announcer (and counting the silent one).
    pub graft_retry_ms: u64,
    /// Announcements are batched for this long before an `IHave` goes out.
    pub ihave_delay_ms: u64,
    /// Rounds up to which a payload is pushed to every neighbor, not only eager ones.
    pub flood_rounds: u16,
    /// Plumtree's rule: a graft for a missing payload also makes the link eager (tree repair).
    /// Off by default: with many origins the re-added links turn into duplicates for the next
    /// message (measured: 1.8·N payload frames per broadcast instead of 1.3·N; docs/decisions.md).
    pub graft_repairs_tree: bool,
    /// Graft a lazy announcer and prune the eager sender when the announcer's round is this many
    /// hops shorter (Plumtree's tree optimisation).
    pub optimize_threshold: u16,
    /// Ids remembered as delivered (duplicates are recognised for this long / this many).
    pub seen_max: usize,
    pub seen_ttl_ms: u64,
    /// Payloads kept to answer grafts.
    pub cache_max: usize,
    pub cache_max_bytes: usize,
    pub cache_ttl_ms: u64,
    /// Ids announced to us but not yet received.
    pub missing_max: usize,
    /// Announcers remembered per missing id.
    pub announcers_max: usize,
    /// Messages delivered to us during which a neighbor sent us neither a payload nor an
    /// announcement: it is counted as silent (and no longer pushed to).
    pub silence_window: u32,
}

impl Default for BroadcastConfig {
    fn default() -> Self {
        BroadcastConfig {
            graft_timeout_ms: 20,
            graft_retry_ms: 400,
            ihave_delay_ms: 10,
            flood_rounds: 2,
            graft_repairs_tree: false,
            optimize_threshold: 3,
            seen_max: 16_384,
            seen_ttl_ms: 300_000,
            cache_max: 1_024,
            cache_max_bytes: 8 * 1024 * 1024,
            cache_ttl_ms: 60_000,
            missing_max: 1_024,
            announcers_max: 4,
            silence_window: 32,
        }
    }
}

/// Everything a `Mesh` needs besides its identity and seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshConfig {
    pub membership: MembershipConfig,
    pub broadcast: BroadcastConfig,
    pub wire: WireLimits,
    /// Peers whose misbehaviour is tracked (the least recently offending is forgotten first).
    pub penalties_max: usize,
    /// Outputs held for the caller before new ones are dropped (counted).
    pub outbox_max: usize,
}

impl Default for MeshConfig {
    fn default() -> Self {
        MeshConfig {
            membership: MembershipConfig::default(),
            broadcast: BroadcastConfig::default(),
            wire: WireLimits::default(),
            penalties_max: 1_024,
            outbox_max: 4_096,
        }
    }
}

impl MeshConfig {
    /// The same with another active view size (degree cap).
    pub fn with_active_max(mut self, active_max: usize) -> Self {
        self.membership.active_max = active_max.max(1);
        self
    }
}
