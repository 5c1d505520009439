//! What a tab says to one neighbour inside the mesh's `Direct` frames: the y-protocols sync of a
//! newly linked pair, the links it holds (so neighbours can route signals to its other neighbours
//! and draw the mesh), and round-trip probes. (Routed signals travel beside the mesh's frames on
//! any open link, neighbour or not: see the app's link framing.)
//!
//! One tag byte, then the body. Decoding checks the tag, the exact lengths and the bounds; bad
//! bytes are an error to count against the neighbour that sent them.

use std::fmt;

use crate::identity::PeerId;

/// Most links one advertisement may list (an active view is far smaller).
pub const MAX_ADVERTISED_LINKS: usize = 16;

const TAG_SYNC: u8 = 0;
const TAG_LINKS: u8 = 2;
const TAG_PING: u8 = 3;
const TAG_PONG: u8 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeighborMessage {
    /// One y-protocols sync message (step 1, step 2 or update) of the event store.
    Sync(Vec<u8>),
    /// The sender's links (its active view) now.
    Links(Vec<PeerId>),
    /// A probe; the neighbour answers with `Pong` of the same time.
    Ping {
        sent_ms: u64,
    },
    Pong {
        sent_ms: u64,
    },
}

/// Why bytes are not a neighbour message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeighborMessageError {
    Empty,
    UnknownTag(u8),
    /// The body's length does not fit the tag (or a links list is too long).
    BadLength {
        tag: u8,
        len: usize,
    },
}

impl fmt::Display for NeighborMessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NeighborMessageError::Empty => write!(f, "an empty neighbour message"),
            NeighborMessageError::UnknownTag(tag) => write!(f, "a neighbour message of unknown kind {tag}"),
            NeighborMessageError::BadLength { tag, len } => {
                write!(f, "a neighbour message of kind {tag} with a body of {len} bytes")
            }
        }
    }
}

impl std::error::Error for NeighborMessageError {}

impl NeighborMessage {
    pub fn encode(&self) -> Vec<u8> {
        let (tag, body): (u8, Vec<u8>) = match self {
            NeighborMessage::Sync(bytes) => (TAG_SYNC, bytes.clone()),
            NeighborMessage::Links(peers) => {
                (TAG_LINKS, peers.iter().take(MAX_ADVERTISED_LINKS).flat_map(|p| p.0).collect())
            }
            NeighborMessage::Ping { sent_ms } => (TAG_PING, sent_ms.to_le_bytes().to_vec()),
            NeighborMessage::Pong { sent_ms } => (TAG_PONG, sent_ms.to_le_bytes().to_vec()),
        };
        let mut bytes = Vec::with_capacity(1 + body.len());
        bytes.push(tag);
        bytes.extend_from_slice(&body);
        bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<NeighborMessage, NeighborMessageError> {
        let (&tag, body) = bytes.split_first().ok_or(NeighborMessageError::Empty)?;
        let bad = || NeighborMessageError::BadLength { tag, len: body.len() };
        let time = || body.try_into().map(u64::from_le_bytes).map_err(|_| bad());
        match tag {
            TAG_SYNC => Ok(NeighborMessage::Sync(body.to_vec())),
            TAG_LINKS => {
                if body.len() % 32 != 0 || body.len() / 32 > MAX_ADVERTISED_LINKS {
                    return Err(bad());
                }
                let peers = body.chunks_exact(32).map(|id| PeerId(id.try_into().unwrap_or([0; 32])));
                Ok(NeighborMessage::Links(peers.collect()))
            }
            TAG_PING => Ok(NeighborMessage::Ping { sent_ms: time()? }),
            TAG_PONG => Ok(NeighborMessage::Pong { sent_ms: time()? }),
            other => Err(NeighborMessageError::UnknownTag(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_survives_its_encoding() {
        let peers: Vec<PeerId> = (1..=3).map(|n| PeerId([n; 32])).collect();
        for message in [
            NeighborMessage::Sync(vec![0, 1, 2]),
            NeighborMessage::Links(peers),
            NeighborMessage::Links(Vec::new()),
            NeighborMessage::Ping { sent_ms: 42 },
            NeighborMessage::Pong { sent_ms: u64::MAX },
        ] {
            assert_eq!(NeighborMessage::decode(&message.encode()), Ok(message));
        }
    }

    #[test]
    fn bad_bytes_say_what_is_wrong() {
        assert_eq!(NeighborMessage::decode(&[]), Err(NeighborMessageError::Empty));
        assert_eq!(NeighborMessage::decode(&[9, 1]), Err(NeighborMessageError::UnknownTag(9)));
        assert_eq!(NeighborMessage::decode(&[1, 1]), Err(NeighborMessageError::UnknownTag(1)), "1 was never used");
        assert_eq!(NeighborMessage::decode(&[TAG_PING, 1, 2]), Err(NeighborMessageError::BadLength { tag: 3, len: 2 }));
        assert_eq!(NeighborMessage::decode(&[TAG_LINKS, 1]), Err(NeighborMessageError::BadLength { tag: 2, len: 1 }));
        let too_many = [vec![TAG_LINKS], vec![7; 32 * (MAX_ADVERTISED_LINKS + 1)]].concat();
        assert!(matches!(NeighborMessage::decode(&too_many), Err(NeighborMessageError::BadLength { .. })));
    }
}
