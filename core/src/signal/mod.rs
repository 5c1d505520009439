//! Signaling: how a brand-new peer is introduced to others and exchanges WebRTC offers, answers
//! and ICE candidates before it has a data channel of its own.
//!
//! `messages` is the wire format (JSON text frames) shared by the relay and the browser app;
//! `directory` is the relay's protocol state machine over it (sans-IO).

pub mod directory;
pub mod messages;

pub use directory::{ConnId, Counters, Directory, DirectoryLimits, Output, Refused};
pub use messages::{join_proof_bytes, ClientMessage, ErrorCode, RelayMessage, SignalPayload};
