//! Wire: the signed envelope every event travels in, its canonical bytes, id and compact codec.
//!
//! Owns the byte format and its limits. Knows nothing of what an event body means (see `events`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::identity::{Identity, PeerId};

/// Largest encoded envelope accepted from anyone, in bytes.
pub const MAX_ENVELOPE_BYTES: usize = 8 * 1024;

/// Domain separation: the signed bytes of an Amorph event can never be mistaken for another protocol's.
const SIGNING_CONTEXT: &str = "amorph/event/v1";

/// Why bytes are not a well-formed, correctly signed envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("envelope is {0} bytes; the limit is {MAX_ENVELOPE_BYTES}")]
    TooLarge(usize),
    #[error("envelope is malformed: {0}")]
    Malformed(String),
    #[error("envelope has {0} unexpected bytes after its end")]
    TrailingBytes(usize),
    #[error("envelope signature does not verify for its author {0}")]
    BadSignature(String),
}

/// The content address of an event: SHA-256 of its canonical signed bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventId(pub [u8; 32]);

impl EventId {
    /// The `swarm` of a genesis event, which belongs to no swarm yet: it founds one.
    pub const NONE: EventId = EventId([0; 32]);

    /// The id of the envelope whose canonical bytes (`Envelope::canonical_bytes`) these are.
    pub fn of_canonical_bytes(canonical: &[u8]) -> Self {
        EventId(Sha256::digest(canonical).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text).ok()?;
        Some(EventId(bytes.try_into().ok()?))
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({})", &self.to_hex()[..12])
    }
}

/// An Ed25519 signature; serialized as two 32-byte halves because serde derives arrays only up to 32.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 64]);

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (low, high) = self.0.split_at(32);
        (<&[u8; 32]>::try_from(low).unwrap_or(&[0; 32]), <&[u8; 32]>::try_from(high).unwrap_or(&[0; 32]))
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (low, high): ([u8; 32], [u8; 32]) = Deserialize::deserialize(deserializer)?;
        let mut bytes = [0; 64];
        bytes[..32].copy_from_slice(&low);
        bytes[32..].copy_from_slice(&high);
        Ok(Signature(bytes))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}…)", hex::encode(&self.0[..6]))
    }
}

/// The fields an author signs. `swarm` is the id of the swarm's genesis event (`EventId::NONE` on the
/// genesis itself), so an event can never count in another swarm. `replica` is the yrs client id the
/// author inserts this event under: signing it binds the event to its author's own document replica,
/// so nobody can re-insert it elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub swarm: EventId,
    pub author: PeerId,
    pub replica: u64,
    pub timestamp_ms: u64,
    pub kind: u16,
    pub body: Vec<u8>,
    pub signature: Signature,
}

#[derive(Serialize)]
struct SignedFields<'a> {
    context: &'a str,
    swarm: &'a EventId,
    author: &'a PeerId,
    replica: u64,
    timestamp_ms: u64,
    kind: u16,
    body: &'a [u8],
}

impl Envelope {
    /// Builds and signs an envelope. The caller checks the body (see `events`).
    pub fn sign(
        identity: &Identity,
        swarm: EventId,
        replica: u64,
        timestamp_ms: u64,
        kind: u16,
        body: Vec<u8>,
    ) -> Self {
        let mut envelope = Envelope {
            swarm,
            author: identity.peer_id(),
            replica,
            timestamp_ms,
            kind,
            body,
            signature: Signature([0; 64]),
        };
        envelope.signature = Signature(identity.sign(&envelope.canonical_bytes()));
        envelope
    }

    /// The exact bytes that are signed and hashed: deterministic for the same fields on every platform.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let fields = SignedFields {
            context: SIGNING_CONTEXT,
            swarm: &self.swarm,
            author: &self.author,
            replica: self.replica,
            timestamp_ms: self.timestamp_ms,
            kind: self.kind,
            body: &self.body,
        };
        // Serializing plain integers, slices and arrays into a Vec cannot fail.
        postcard::to_stdvec(&fields).unwrap_or_default()
    }

    pub fn id(&self) -> EventId {
        EventId::of_canonical_bytes(&self.canonical_bytes())
    }

    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// Decodes and verifies the signature against the author key (so the author is the signer).
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let envelope = Self::decode_unsigned(bytes)?;
        envelope
            .author
            .verify(&envelope.canonical_bytes(), &envelope.signature.0)
            .map_err(|_| WireError::BadSignature(envelope.author.short()))?;
        Ok(envelope)
    }

    /// Decodes without checking the signature, for callers that check many at once
    /// (`identity::verify_each`) and must then refuse what `decode` would refuse.
    pub fn decode_unsigned(bytes: &[u8]) -> Result<Self, WireError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(WireError::TooLarge(bytes.len()));
        }
        let (envelope, rest): (Envelope, _) =
            postcard::take_from_bytes(bytes).map_err(|e| WireError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(WireError::TrailingBytes(rest.len()));
        }
        Ok(envelope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Envelope {
        Envelope::sign(&Identity::from_seed([3; 32]), EventId([5; 32]), 42, 1_750_000_000_000, 1, b"body".to_vec())
    }

    #[test]
    fn encode_decode_round_trips() {
        let envelope = sample();
        let bytes = envelope.encode();
        assert_eq!(Envelope::decode(&bytes), Ok(envelope.clone()));
        assert_eq!(Envelope::decode(&bytes).unwrap().id(), envelope.id());
    }

    #[test]
    fn encoding_is_deterministic() {
        assert_eq!(sample().encode(), sample().encode());
        assert_eq!(sample().id(), sample().id());
    }

    #[test]
    fn any_changed_field_breaks_the_signature() {
        let mut envelope = sample();
        envelope.timestamp_ms += 1;
        assert!(matches!(Envelope::decode(&envelope.encode()), Err(WireError::BadSignature(_))));
        let mut envelope = sample();
        envelope.replica += 1;
        assert!(matches!(Envelope::decode(&envelope.encode()), Err(WireError::BadSignature(_))));
        let mut envelope = sample();
        envelope.swarm = EventId([6; 32]);
        assert!(matches!(Envelope::decode(&envelope.encode()), Err(WireError::BadSignature(_))));
        let mut envelope = sample();
        envelope.author = Identity::from_seed([4; 32]).peer_id();
        assert!(matches!(Envelope::decode(&envelope.encode()), Err(WireError::BadSignature(_))));
    }

    #[test]
    fn size_limit_is_checked_before_decoding() {
        let bytes = vec![0u8; MAX_ENVELOPE_BYTES + 1];
        assert_eq!(Envelope::decode(&bytes), Err(WireError::TooLarge(MAX_ENVELOPE_BYTES + 1)));
    }

    #[test]
    fn truncated_and_padded_bytes_are_typed_errors() {
        let bytes = sample().encode();
        for cut in 0..bytes.len() {
            assert!(matches!(Envelope::decode(&bytes[..cut]), Err(WireError::Malformed(_))), "cut at {cut}");
        }
        let mut padded = bytes.clone();
        padded.push(0);
        assert_eq!(Envelope::decode(&padded), Err(WireError::TrailingBytes(1)));
    }

    #[test]
    fn event_id_hex_round_trips() {
        let id = sample().id();
        assert_eq!(EventId::from_hex(&id.to_hex()), Some(id));
        assert_eq!(EventId::from_hex("zz"), None);
    }
}
