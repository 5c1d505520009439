//! Mesh wire format: the frames peers exchange on a link, their postcard codec and size bounds.
//!
//! Owns the byte format and every limit a decoder enforces. Decoding never panics: malformed,
//! oversized or over-long input is a `FrameError` the caller counts against the sender.
//! Knows nothing of what a payload means (the app's events travel as opaque bytes).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::identity::PeerId;

/// The 32-byte identifier of a broadcast payload (for Amorph events: the `EventId`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MessageId(pub [u8; 32]);

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({})", hex::encode(&self.0[..6]))
    }
}

/// One mesh frame. Membership frames (HyParView), broadcast frames (Plumtree), and `Direct`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frame {
    /// A newcomer asks its contact to take it into its active view.
    Join,
    /// The contact introduces `peer` along a random walk of at most `ttl` more hops.
    ForwardJoin { peer: PeerId, ttl: u8 },
    /// Ask the receiver to take the sender into its active view; `high` may not be refused.
    Neighbor { high: bool },
    /// Answer to `Neighbor` or `Join`; a refusal names other peers to ask (at most a shuffle's).
    NeighborReply { accepted: bool, peers: Vec<PeerId> },
    /// The sender drops the link; `alive` means it keeps running (keep it as a passive contact).
    Disconnect { alive: bool },
    /// A sample of the origin's views on a random walk; `path` lists the hops so far (the reply
    /// travels back along it, over existing links only).
    Shuffle { origin: PeerId, ttl: u8, path: Vec<PeerId>, peers: Vec<PeerId> },
    /// The answer to a shuffle, travelling back along `path` (the next hop is its last entry).
    ShuffleReply { path: Vec<PeerId>, peers: Vec<PeerId> },
    /// A broadcast payload; `round` is the number of hops it has travelled.
    Gossip { id: MessageId, round: u16, payload: Vec<u8> },
    /// Lazy push: the sender has these payloads (each with the round it would forward them at).
    IHave { ids: Vec<(MessageId, u16)> },
    /// Make the sender an eager (payload) link of the receiver; with an id, also send that payload.
    Graft { id: Option<MessageId>, round: u16 },
    /// Make the sender a lazy (announce-only) link of the receiver.
    Prune,
    /// An opaque unicast to a neighbor (the app's y-protocols sync of a newly linked pair).
    Direct { payload: Vec<u8> },
}

/// What a frame is, for accounting (payload vs control) without decoding it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FrameKind {
    Join,
    ForwardJoin,
    Neighbor,
    NeighborReply,
    Disconnect,
    Shuffle,
    ShuffleReply,
    Gossip,
    IHave,
    Graft,
    Prune,
    Direct,
}

impl FrameKind {
    /// A frame that carries a broadcast payload (the rest is control, except `Direct`).
    pub fn is_payload(self) -> bool {
        self == FrameKind::Gossip
    }
}

impl Frame {
    pub fn kind(&self) -> FrameKind {
        match self {
            Frame::Join => FrameKind::Join,
            Frame::ForwardJoin { .. } => FrameKind::ForwardJoin,
            Frame::Neighbor { .. } => FrameKind::Neighbor,
            Frame::NeighborReply { .. } => FrameKind::NeighborReply,
            Frame::Disconnect { .. } => FrameKind::Disconnect,
            Frame::Shuffle { .. } => FrameKind::Shuffle,
            Frame::ShuffleReply { .. } => FrameKind::ShuffleReply,
            Frame::Gossip { .. } => FrameKind::Gossip,
            Frame::IHave { .. } => FrameKind::IHave,
            Frame::Graft { .. } => FrameKind::Graft,
            Frame::Prune => FrameKind::Prune,
            Frame::Direct { .. } => FrameKind::Direct,
        }
    }
}

/// Bounds a decoder enforces on frames from others (see docs/mesh.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireLimits {
    /// Largest payload of a `Gossip` or `Direct` frame, in bytes.
    pub max_payload: usize,
    /// Most peers in a shuffle or shuffle reply.
    pub max_shuffle_peers: usize,
    /// Most hops in a shuffle path (the shuffle walk length).
    pub max_path: usize,
    /// Most ids in one `IHave`.
    pub max_ihave: usize,
}

impl Default for WireLimits {
    fn default() -> Self {
        WireLimits { max_payload: 64 * 1024, max_shuffle_peers: 16, max_path: 8, max_ihave: 64 }
    }
}

impl WireLimits {
    /// Largest frame in bytes: a full payload plus its header, or a full IHave or shuffle.
    pub fn max_frame(&self) -> usize {
        let list = 34 * self.max_ihave.max(self.max_shuffle_peers + self.max_path + 1);
        self.max_payload.max(list) + 64
    }
}

/// Why bytes are not an acceptable mesh frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("mesh frame is {len} bytes; the limit is {limit}")]
    TooLarge { len: usize, limit: usize },
    #[error("mesh frame is malformed: {0}")]
    Malformed(String),
    #[error("mesh frame has {0} unexpected bytes after its end")]
    TrailingBytes(usize),
    #[error("mesh frame lists {len} {what}; the limit is {limit}")]
    TooMany { what: &'static str, len: usize, limit: usize },
}

impl FrameError {
    /// Whether the error is about size (oversized frame or list) rather than broken bytes.
    pub fn is_oversized(&self) -> bool {
        matches!(self, FrameError::TooLarge { .. } | FrameError::TooMany { .. })
    }
}

/// Encodes a frame (postcard). Infallible for frames built in memory.
pub fn encode(frame: &Frame) -> Vec<u8> {
    postcard::to_allocvec(frame).unwrap_or_default()
}

/// Decodes one frame, checking the byte size first (before any allocation) and every list bound
/// after. Trailing bytes are refused so one frame has exactly one encoding.
pub fn decode(bytes: &[u8], limits: &WireLimits) -> Result<Frame, FrameError> {
    let limit = limits.max_frame();
    if bytes.len() > limit {
        return Err(FrameError::TooLarge { len: bytes.len(), limit });
    }
    let (frame, rest) = postcard::take_from_bytes::<Frame>(bytes).map_err(|e| FrameError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(FrameError::TrailingBytes(rest.len()));
    }
    check(&frame, limits)?;
    Ok(frame)
}

fn check(frame: &Frame, limits: &WireLimits) -> Result<(), FrameError> {
    let too_many = |what, len: usize, limit: usize| {
        if len > limit {
            Err(FrameError::TooMany { what, len, limit })
        } else {
            Ok(())
        }
    };
    match frame {
        Frame::Shuffle { path, peers, .. } => {
            too_many("shuffle peers", peers.len(), limits.max_shuffle_peers)?;
            too_many("shuffle hops", path.len(), limits.max_path)
        }
        Frame::ShuffleReply { path, peers } => {
            too_many("shuffle peers", peers.len(), limits.max_shuffle_peers)?;
            too_many("shuffle hops", path.len(), limits.max_path)
        }
        Frame::Gossip { payload, .. } | Frame::Direct { payload } => {
            too_many("payload bytes", payload.len(), limits.max_payload)
        }
        Frame::IHave { ids } => too_many("announced ids", ids.len(), limits.max_ihave),
        Frame::NeighborReply { peers, .. } => too_many("referred peers", peers.len(), limits.max_shuffle_peers),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(n: u8) -> PeerId {
        PeerId([n; 32])
    }

    #[test]
    fn every_kind_round_trips() {
        let limits = WireLimits::default();
        let frames = vec![
            Frame::Join,
            Frame::ForwardJoin { peer: peer(1), ttl: 6 },
            Frame::Neighbor { high: true },
            Frame::NeighborReply { accepted: false, peers: vec![peer(9)] },
            Frame::Disconnect { alive: true },
            Frame::Shuffle { origin: peer(2), ttl: 3, path: vec![peer(2)], peers: vec![peer(3), peer(4)] },
            Frame::ShuffleReply { path: vec![peer(2), peer(5)], peers: vec![peer(6)] },
            Frame::Gossip { id: MessageId([7; 32]), round: 3, payload: b"event".to_vec() },
            Frame::IHave { ids: vec![(MessageId([8; 32]), 2)] },
            Frame::Graft { id: Some(MessageId([9; 32])), round: 1 },
            Frame::Graft { id: None, round: 0 },
            Frame::Prune,
            Frame::Direct { payload: vec![1, 2, 3] },
        ];
        for frame in frames {
            let bytes = encode(&frame);
            assert_eq!(decode(&bytes, &limits), Ok(frame));
        }
    }

    #[test]
    fn oversized_frames_are_refused_before_decoding() {
        let limits = WireLimits { max_payload: 100, ..WireLimits::default() };
        let bytes = encode(&Frame::Direct { payload: vec![0; 10_000] });
        assert!(matches!(decode(&bytes, &limits), Err(FrameError::TooLarge { .. })));
        let bytes = encode(&Frame::Direct { payload: vec![0; 101] });
        assert!(matches!(decode(&bytes, &limits), Err(FrameError::TooMany { what: "payload bytes", .. })));
    }

    #[test]
    fn long_lists_are_refused() {
        let limits = WireLimits::default();
        let peers = (0..17).map(peer).collect();
        let bytes = encode(&Frame::ShuffleReply { path: vec![peer(1)], peers });
        assert_eq!(decode(&bytes, &limits), Err(FrameError::TooMany { what: "shuffle peers", len: 17, limit: 16 }));
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        let limits = WireLimits::default();
        let good = encode(&Frame::Gossip { id: MessageId([1; 32]), round: 1, payload: vec![5; 40] });
        for cut in 0..good.len() {
            assert!(decode(&good[..cut], &limits).is_err(), "prefix of {cut} bytes decoded");
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(decode(&trailing, &limits), Err(FrameError::TrailingBytes(1)));
        assert!(matches!(decode(&[0xff, 0xff, 0xff], &limits), Err(FrameError::Malformed(_))));
        // A length prefix claiming a huge list, with no bytes behind it.
        assert!(decode(&[8, 0xff, 0xff, 0xff, 0xff, 0x0f], &limits).is_err());
        // Seeded random byte strings never panic.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 80) as usize;
            let bytes: Vec<u8> = (0..len).map(|i| (x >> (i % 8 * 8)) as u8 ^ i as u8).collect();
            let _ = decode(&bytes, &limits);
        }
    }
}
