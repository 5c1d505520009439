//! WebRTC signals that travel over the mesh instead of the relay: an offer, answer or ICE candidate
//! from one peer to another it has no link with yet, handed along a route of linked peers.
//!
//! The sender chooses the route (the peers between it and the target, in order): a neighbour that
//! has the target among its links, or the path a join request walked. Each peer on the way checks
//! that it is on the route, that the signal came from the peer before it and that it holds a link
//! to the peer after it, and passes the bytes on unchanged. The sender signs the signal, so a peer
//! on the route cannot alter an SDP (and with it the DTLS fingerprint that authenticates the link)
//! or speak for someone else; the target also refuses stale and replayed signals. The route is
//! not signed: a peer on it could misdirect a signal, but it could as well drop it.
//!
//! Every refusal is an error for the caller to count against the neighbour that sent the bytes.
//! Sans-IO: the caller passes time and says which peers it is linked with.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::messages::{SignalPayload, MAX_SIGNAL_FRAME_BYTES};
use crate::identity::{Identity, PeerId};

/// The most peers between sender and target.
pub const MAX_ROUTE_HOPS: usize = 8;
/// Largest routed signal accepted, in bytes: a relay frame's payload plus the route and signature.
pub const MAX_ROUTED_SIGNAL_BYTES: usize = MAX_SIGNAL_FRAME_BYTES + 2048;
/// A signal sent longer ago than this (or this far in the future) is refused.
pub const MAX_SIGNAL_AGE_MS: u64 = 60_000;
/// Signals remembered per router to refuse replays, most recent kept.
const REPLAY_MEMORY: usize = 4096;
/// Signals a router passes on or takes per second from one sender, on average…
const SIGNALS_PER_SECOND: u64 = 10;
/// …and in a burst.
const SIGNAL_BURST: u64 = 40;
/// Senders whose rate is tracked at once; the least recently seen is forgotten beyond it.
const TRACKED_SENDERS: usize = 1024;
/// What the signature covers first, so it cannot be taken for a signature of anything else.
const CONTEXT: &[u8] = b"amorph/mesh-signal/v1";

/// A signed signal on its way from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutedSignal {
    pub from: PeerId,
    pub to: PeerId,
    /// The peers between `from` and `to`, in order from `from`.
    pub route: Vec<PeerId>,
    /// The sender's clock when it signed.
    pub sent_ms: u64,
    /// Distinguishes the sender's signals (with `sent_ms`) for replay detection.
    pub nonce: u64,
    pub payload: SignalPayload,
    /// Ed25519 by `from` over [`signed_bytes`].
    pub signature: Vec<u8>,
}

/// What to do with bytes a neighbour handed us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    /// A signal for us. Answer along `reply_route`.
    Deliver { from: PeerId, payload: SignalPayload, reply_route: Vec<PeerId> },
    /// Hand these bytes, unchanged, to the linked peer `next`.
    Forward { next: PeerId, bytes: Vec<u8> },
}

/// Why a routed signal was refused; each counts against the neighbour that sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    TooLarge {
        bytes: usize,
    },
    Malformed(String),
    /// The route is longer than [`MAX_ROUTE_HOPS`] or names a peer twice.
    BadRoute,
    /// We are not on the route, or the neighbour is not the peer before us on it.
    NotOnRoute,
    /// The next peer on the route is not linked with us (any more).
    NoLink {
        next: PeerId,
    },
    BadSignature,
    Stale {
        age_ms: i64,
    },
    Replayed,
    RateLimited {
        from: PeerId,
    },
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::TooLarge { bytes } => {
                write!(f, "a routed signal of {bytes} bytes (at most {MAX_ROUTED_SIGNAL_BYTES})")
            }
            RouteError::Malformed(why) => write!(f, "a malformed routed signal: {why}"),
            RouteError::BadRoute => write!(f, "a route longer than {MAX_ROUTE_HOPS} hops or with a peer twice"),
            RouteError::NotOnRoute => write!(f, "a signal whose route does not pass through this link"),
            RouteError::NoLink { next } => write!(f, "no link to {}, the next peer on the route", next.short()),
            RouteError::BadSignature => write!(f, "a signal whose signature does not verify"),
            RouteError::Stale { age_ms } => write!(f, "a signal sent {age_ms} ms ago"),
            RouteError::Replayed => write!(f, "a signal seen before"),
            RouteError::RateLimited { from } => write!(f, "too many signals from {}", from.short()),
        }
    }
}

impl std::error::Error for RouteError {}

/// The bytes a sender signs.
fn signed_bytes(from: &PeerId, to: &PeerId, sent_ms: u64, nonce: u64, payload: &SignalPayload) -> Vec<u8> {
    let payload = serde_json::to_vec(payload).unwrap_or_default();
    let mut bytes = Vec::with_capacity(CONTEXT.len() + 80 + payload.len());
    bytes.extend_from_slice(CONTEXT);
    bytes.extend_from_slice(&from.0);
    bytes.extend_from_slice(&to.0);
    bytes.extend_from_slice(&sent_ms.to_le_bytes());
    bytes.extend_from_slice(&nonce.to_le_bytes());
    bytes.extend_from_slice(&payload);
    bytes
}

/// A token bucket per sender, in thousandths of a signal so refills need no floats.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    milli_tokens: u64,
    at_ms: u64,
}

/// One peer's side of mesh signaling: checks, delivers or passes on what neighbours hand it.
#[derive(Debug)]
pub struct SignalRouter {
    me: PeerId,
    seen: BTreeSet<(PeerId, u64, u64)>,
    seen_order: VecDeque<(PeerId, u64, u64)>,
    buckets: BTreeMap<PeerId, Bucket>,
}

impl SignalRouter {
    pub fn new(me: PeerId) -> SignalRouter {
        SignalRouter { me, seen: BTreeSet::new(), seen_order: VecDeque::new(), buckets: BTreeMap::new() }
    }

    /// Signs `payload` for `to`, to travel through `route` (empty when `to` is linked with us).
    /// Returns the peer to hand the bytes to first, and the bytes.
    pub fn send(
        identity: &Identity,
        to: PeerId,
        route: Vec<PeerId>,
        payload: SignalPayload,
        now_ms: u64,
        nonce: u64,
    ) -> Result<(PeerId, Vec<u8>), RouteError> {
        let from = identity.peer_id();
        check_route(&from, &to, &route)?;
        let signature = identity.sign(&signed_bytes(&from, &to, now_ms, nonce, &payload)).to_vec();
        let first = route.first().copied().unwrap_or(to);
        let signal = RoutedSignal { from, to, route, sent_ms: now_ms, nonce, payload, signature };
        let bytes = serde_json::to_vec(&signal).map_err(|e| RouteError::Malformed(e.to_string()))?;
        if bytes.len() > MAX_ROUTED_SIGNAL_BYTES {
            return Err(RouteError::TooLarge { bytes: bytes.len() });
        }
        Ok((first, bytes))
    }

    /// Bytes that the linked peer `neighbor` handed us. `linked` says which peers we hold a link with.
    pub fn handle(
        &mut self,
        neighbor: PeerId,
        bytes: &[u8],
        now_ms: u64,
        linked: impl Fn(&PeerId) -> bool,
    ) -> Result<Routed, RouteError> {
        if bytes.len() > MAX_ROUTED_SIGNAL_BYTES {
            return Err(RouteError::TooLarge { bytes: bytes.len() });
        }
        let signal: RoutedSignal = serde_json::from_slice(bytes).map_err(|e| RouteError::Malformed(e.to_string()))?;
        check_route(&signal.from, &signal.to, &signal.route)?;
        let path: Vec<PeerId> =
            std::iter::once(signal.from).chain(signal.route.iter().copied()).chain([signal.to]).collect();
        let at = path.iter().position(|peer| *peer == self.me).ok_or(RouteError::NotOnRoute)?;
        if at == 0 || path[at - 1] != neighbor {
            return Err(RouteError::NotOnRoute);
        }
        let next = path.get(at + 1).copied();
        if let Some(next) = next {
            if !linked(&next) {
                return Err(RouteError::NoLink { next });
            }
        }
        verify(&signal, now_ms)?;
        self.take_token(signal.from, now_ms)?;
        self.remember(&signal)?;
        Ok(match next {
            Some(next) => Routed::Forward { next, bytes: bytes.to_vec() },
            None => Routed::Deliver {
                from: signal.from,
                payload: signal.payload,
                reply_route: signal.route.into_iter().rev().collect(),
            },
        })
    }

    fn take_token(&mut self, from: PeerId, now_ms: u64) -> Result<(), RouteError> {
        let full = SIGNAL_BURST * 1000;
        if !self.buckets.contains_key(&from) && self.buckets.len() >= TRACKED_SENDERS {
            let oldest = self.buckets.iter().min_by_key(|(_, b)| b.at_ms).map(|(peer, _)| *peer);
            oldest.map(|peer| self.buckets.remove(&peer));
        }
        let bucket = self.buckets.entry(from).or_insert(Bucket { milli_tokens: full, at_ms: now_ms });
        let refill = now_ms.saturating_sub(bucket.at_ms).saturating_mul(SIGNALS_PER_SECOND);
        bucket.milli_tokens = bucket.milli_tokens.saturating_add(refill).min(full);
        bucket.at_ms = bucket.at_ms.max(now_ms);
        if bucket.milli_tokens < 1000 {
            return Err(RouteError::RateLimited { from });
        }
        bucket.milli_tokens -= 1000;
        Ok(())
    }

    fn remember(&mut self, signal: &RoutedSignal) -> Result<(), RouteError> {
        let key = (signal.from, signal.sent_ms, signal.nonce);
        if !self.seen.insert(key) {
            return Err(RouteError::Replayed);
        }
        self.seen_order.push_back(key);
        if self.seen_order.len() > REPLAY_MEMORY {
            // Forgotten signals are older than MAX_SIGNAL_AGE_MS unless a flood pushed them out,
            // and a flood is bounded by the rate limit per sender.
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        Ok(())
    }
}

fn check_route(from: &PeerId, to: &PeerId, route: &[PeerId]) -> Result<(), RouteError> {
    if route.len() > MAX_ROUTE_HOPS {
        return Err(RouteError::BadRoute);
    }
    let mut peers = BTreeSet::from([*from, *to]);
    if peers.len() < 2 || !route.iter().all(|peer| peers.insert(*peer)) {
        return Err(RouteError::BadRoute);
    }
    Ok(())
}

fn verify(signal: &RoutedSignal, now_ms: u64) -> Result<(), RouteError> {
    let age_ms = now_ms as i64 - signal.sent_ms as i64;
    if age_ms.unsigned_abs() > MAX_SIGNAL_AGE_MS {
        return Err(RouteError::Stale { age_ms });
    }
    let signature: &[u8; 64] = signal.signature.as_slice().try_into().map_err(|_| RouteError::BadSignature)?;
    let bytes = signed_bytes(&signal.from, &signal.to, signal.sent_ms, signal.nonce, &signal.payload);
    signal.from.verify(&bytes, signature).map_err(|_| RouteError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000_000;

    fn identity(n: u8) -> Identity {
        Identity::from_seed([n; 32])
    }

    fn offer() -> SignalPayload {
        SignalPayload::Offer { sdp: "v=0 a=fingerprint:sha-256 AB:CD".into() }
    }

    /// A line of routers a - b - c - d, each linked only with the peers beside it.
    struct Line {
        ids: Vec<Identity>,
        routers: Vec<SignalRouter>,
    }

    impl Line {
        fn new(len: u8) -> Line {
            let ids: Vec<Identity> = (1..=len).map(identity).collect();
            let routers = ids.iter().map(|id| SignalRouter::new(id.peer_id())).collect();
            Line { ids, routers }
        }

        fn peer(&self, i: usize) -> PeerId {
            self.ids[i].peer_id()
        }

        /// Hands `bytes` from peer `from` to peer `at`, which is linked with `at - 1` and `at + 1`.
        fn hand(&mut self, from: usize, at: usize, bytes: &[u8], now: u64) -> Result<Routed, RouteError> {
            let neighbours: Vec<PeerId> = [at.checked_sub(1), Some(at + 1)]
                .into_iter()
                .flatten()
                .filter(|&i| i < self.ids.len())
                .map(|i| self.peer(i))
                .collect();
            let sender = self.peer(from);
            self.routers[at].handle(sender, bytes, now, |p| neighbours.contains(p))
        }
    }

    #[test]
    fn a_signal_travels_the_route_unchanged_and_the_answer_goes_back() {
        let mut line = Line::new(4);
        let route = vec![line.peer(1), line.peer(2)];
        let (first, bytes) = SignalRouter::send(&line.ids[0], line.peer(3), route, offer(), NOW, 1).unwrap();
        assert_eq!(first, line.peer(1));
        let mut carried = bytes.clone();
        for at in 1..=2 {
            match line.hand(at - 1, at, &carried, NOW + 5).unwrap() {
                Routed::Forward { next, bytes } => {
                    assert_eq!(next, line.peer(at + 1));
                    assert_eq!(bytes, carried, "passed on unchanged");
                    carried = bytes;
                }
                other => panic!("peer {at} should pass it on, got {other:?}"),
            }
        }
        let Routed::Deliver { from, payload, reply_route } = line.hand(2, 3, &carried, NOW + 10).unwrap() else {
            panic!("the target should take it")
        };
        assert_eq!((from, payload), (line.peer(0), offer()));
        assert_eq!(reply_route, vec![line.peer(2), line.peer(1)]);
        let answer = SignalPayload::Answer { sdp: "v=0 answer".into() };
        let (first, bytes) = SignalRouter::send(&line.ids[3], from, reply_route, answer.clone(), NOW + 20, 1).unwrap();
        assert_eq!(first, line.peer(2));
        let Routed::Forward { bytes, .. } = line.hand(3, 2, &bytes, NOW + 21).unwrap() else { panic!() };
        let Routed::Forward { bytes, .. } = line.hand(2, 1, &bytes, NOW + 22).unwrap() else { panic!() };
        let delivered = line.hand(1, 0, &bytes, NOW + 23).unwrap();
        assert!(matches!(delivered, Routed::Deliver { payload, .. } if payload == answer));
    }

    #[test]
    fn a_peer_on_the_route_cannot_alter_the_offer() {
        let mut line = Line::new(3);
        let (_, bytes) = SignalRouter::send(&line.ids[0], line.peer(2), vec![line.peer(1)], offer(), NOW, 7).unwrap();
        let mut signal: RoutedSignal = serde_json::from_slice(&bytes).unwrap();
        signal.payload = SignalPayload::Offer { sdp: "v=0 a=fingerprint:sha-256 EV:IL".into() };
        let forged = serde_json::to_vec(&signal).unwrap();
        assert_eq!(line.hand(1, 2, &forged, NOW), Err(RouteError::BadSignature));
        signal.from = identity(50).peer_id();
        let impersonated = serde_json::to_vec(&signal).unwrap();
        assert_eq!(line.hand(1, 2, &impersonated, NOW), Err(RouteError::BadSignature));
    }

    #[test]
    fn signals_off_their_route_stale_replayed_or_malformed_are_refused() {
        let mut line = Line::new(4);
        let (_, bytes) =
            SignalRouter::send(&line.ids[0], line.peer(3), vec![line.peer(1), line.peer(2)], offer(), NOW, 1).unwrap();
        assert_eq!(line.hand(2, 1, &bytes, NOW), Err(RouteError::NotOnRoute), "came from the wrong side");
        assert_eq!(line.hand(0, 3, &bytes, NOW), Err(RouteError::NotOnRoute), "skipped the route");
        assert!(matches!(line.hand(0, 1, &bytes, NOW + MAX_SIGNAL_AGE_MS + 1), Err(RouteError::Stale { .. })));
        assert!(line.hand(0, 1, &bytes, NOW).is_ok());
        assert_eq!(line.hand(0, 1, &bytes, NOW), Err(RouteError::Replayed));
        assert!(matches!(line.hand(0, 1, b"{\"from\":1}", NOW), Err(RouteError::Malformed(_))));
        let huge = vec![b' '; MAX_ROUTED_SIGNAL_BYTES + 1];
        assert_eq!(line.hand(0, 1, &huge, NOW), Err(RouteError::TooLarge { bytes: huge.len() }));
        // Peer 1 is linked with 0 and 2 only: a route through it to a stranger stops there.
        let stranger = identity(99).peer_id();
        let (_, bytes) = SignalRouter::send(&line.ids[0], stranger, vec![line.peer(1)], offer(), NOW, 2).unwrap();
        assert_eq!(line.hand(0, 1, &bytes, NOW), Err(RouteError::NoLink { next: stranger }));
    }

    #[test]
    fn routes_are_bounded_and_loop_free() {
        let a = identity(1);
        let b = identity(2).peer_id();
        let long: Vec<PeerId> = (10..10 + MAX_ROUTE_HOPS as u8 + 1).map(|n| identity(n).peer_id()).collect();
        assert_eq!(SignalRouter::send(&a, b, long, offer(), NOW, 1).err(), Some(RouteError::BadRoute));
        let looping = vec![identity(3).peer_id(), identity(4).peer_id(), identity(3).peer_id()];
        assert_eq!(SignalRouter::send(&a, b, looping, offer(), NOW, 1).err(), Some(RouteError::BadRoute));
        assert_eq!(SignalRouter::send(&a, a.peer_id(), vec![], offer(), NOW, 1).err(), Some(RouteError::BadRoute));
    }

    #[test]
    fn one_sender_cannot_flood_a_peer_on_its_routes() {
        let mut line = Line::new(3);
        let send = |line: &Line, nonce: u64, now: u64| {
            SignalRouter::send(&line.ids[0], line.peer(2), vec![line.peer(1)], offer(), now, nonce).unwrap().1
        };
        let passed = (0..100).filter(|&n| line.hand(0, 1, &send(&line, n, NOW), NOW).is_ok()).count();
        assert_eq!(passed as u64, SIGNAL_BURST, "a burst passes, then the sender is limited");
        let refused = line.hand(0, 1, &send(&line, 1000, NOW), NOW);
        assert_eq!(refused, Err(RouteError::RateLimited { from: line.peer(0) }));
        let later = NOW + 1000;
        let passed = (2000..2100).filter(|&n| line.hand(0, 1, &send(&line, n, later), later).is_ok()).count();
        assert_eq!(passed as u64, SIGNALS_PER_SECOND, "a second later, a second's worth passes");
    }
}
