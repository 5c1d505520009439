//! Signaling messages: JSON text frames between a peer and the relay's `/signal` WebSocket.
//!
//! A peer proves it holds the key of the did:key it joins as by signing the relay's one-time nonce.

use serde::{Deserialize, Serialize};

/// The largest signaling frame either side accepts, in bytes.
pub const MAX_SIGNAL_FRAME_BYTES: usize = 16 * 1024;

/// What the peer signs to join: a context string and the relay's nonce.
pub fn join_proof_bytes(nonce: &str) -> Vec<u8> {
    format!("amorph/relay-join/v1:{nonce}").into_bytes()
}

/// WebRTC negotiation, carried opaquely from one peer to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignalPayload {
    Offer { sdp: String },
    Answer { sdp: String },
    Candidate { candidate: String, sdp_mid: Option<String>, sdp_m_line_index: Option<u16> },
}

/// Frames a peer sends to the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// Answer to `Challenge`: the peer's did:key and its hex Ed25519 signature over `join_proof_bytes(nonce)`.
    Join { peer: String, signature: String },
    /// Forward `payload` to the joined peer `to` (a did:key).
    Signal { to: String, payload: SignalPayload },
}

/// Frames the relay sends to a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RelayMessage {
    /// First frame on every connection: sign this nonce to join.
    Challenge { nonce: String },
    /// Joined. `peers` are a few other joined peers (did:keys) the newcomer should connect to.
    Welcome { you: String, peers: Vec<String> },
    /// A payload from another peer.
    Signal { from: String, payload: SignalPayload },
    /// Something was refused; the connection stays open unless the code says otherwise.
    Error { code: ErrorCode, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON of a known message.
    BadMessage,
    /// The frame exceeds `MAX_SIGNAL_FRAME_BYTES`; the connection is closed.
    TooLarge,
    /// Too many frames per second; the frame was dropped.
    RateLimited,
    /// The join signature or did:key is invalid.
    BadJoin,
    /// A `Signal` was sent before joining.
    NotJoined,
    /// The target of a `Signal` is not connected.
    UnknownPeer,
    /// Too many connections from this address; the connection is closed.
    TooManyConnections,
    /// The same did:key joined on a newer connection; this one is closed.
    Replaced,
    /// The relay has as many joined peers as it allows; the connection is closed. Retry later.
    RelayFull,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_a_stable_json_shape() {
        let join = ClientMessage::Join { peer: "did:key:z6Mk".into(), signature: "ab".into() };
        assert_eq!(serde_json::to_string(&join).unwrap(), r#"{"type":"join","peer":"did:key:z6Mk","signature":"ab"}"#);
        let signal = RelayMessage::Signal { from: "p".into(), payload: SignalPayload::Answer { sdp: "v=0".into() } };
        assert_eq!(
            serde_json::to_string(&signal).unwrap(),
            r#"{"type":"signal","from":"p","payload":{"kind":"answer","sdp":"v=0"}}"#
        );
        let error = RelayMessage::Error { code: ErrorCode::RateLimited, message: "slow down".into() };
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"type":"error","code":"rate_limited","message":"slow down"}"#
        );
    }

    #[test]
    fn unknown_frames_do_not_parse() {
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"signal","to":"x"}"#).is_err());
    }
}
