//! Simulator: many mesh peers (or a baseline) in one process, on a seeded network with simulated
//! time, latency, jitter, loss, crashes and partitions. Drives the very `Mesh` state machine the
//! app runs, through its bytes.
//!
//! Owns no protocol logic. Single-threaded and deterministic: one seed, one result.
//! The command line is `examples/mesh_sim.rs` (`cargo run --profile relay -p amorph-core --example mesh-sim`).

pub mod network;
pub mod node;
pub mod report;
pub mod scenario;

pub use network::{message_id, peer_id, Delivery, LinkModel, Network, Traffic};
pub use node::{Flooder, SimNode};
pub use report::Report;
pub use scenario::{random_graph, run, ScenarioConfig, ScenarioKind, System};
