//! Mesh: bounded-degree membership (HyParView) and broadcast (Plumtree) as sans-IO state machines,
//! plus a unicast to neighbors, a bounded wire format and misbehaviour accounting.
//!
//! `Mesh` (in `peer`) is the one object an adapter drives: frames, link failures and timeouts go
//! in with the caller's time; frames to send, links to close and events come out. The protocol
//! is specified in docs/mesh.md. `neighbor` is what the app itself says to a neighbour inside
//! `Direct` frames. Nothing here opens sockets, reads a clock or draws entropy.

mod broadcast;
mod cache;
pub mod config;
mod context;
mod membership;
pub mod neighbor;
mod peer;
pub mod penalties;
mod timers;
mod views;
pub mod wire;

pub use broadcast::BroadcastSizes;
pub use config::{BroadcastConfig, MembershipConfig, MeshConfig};
pub use context::{MeshEvent, Output};
pub use peer::{Mesh, MeshSizes, SendError};
pub use penalties::{Counters, Offence};
pub use wire::{Frame, FrameError, FrameKind, MessageId, WireLimits};
