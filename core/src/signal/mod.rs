//! Signaling: how a brand-new peer is introduced to others and exchanges WebRTC offers, answers
//! and ICE candidates before it has a data channel of its own.
//!
//! `messages` is the wire format (JSON text frames) shared by the relay and the browser app;
//! `directory` is the relay's protocol state machine over it (sans-IO); `invite` is the link a
//! peer hands a newcomer so it finds the swarm, its relays and the inviter; `routed` carries
//! signals over the mesh, from peer to peer, once a tab has links.

pub mod directory;
pub mod invite;
pub mod messages;
pub mod routed;

pub use directory::{ConnId, Counters, Directory, DirectoryLimits, Output, Refused};
pub use invite::{Invite, InviteError};
pub use messages::{join_proof_bytes, ClientMessage, ErrorCode, RelayMessage, SignalPayload};
pub use routed::{RouteError, Routed, RoutedSignal, SignalRouter};
