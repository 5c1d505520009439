//! amorph-core: the sans-IO heart of Amorph.
//!
//! State machines and pure functions only: no sockets, no clocks, no randomness of its own.
//! Time (`now_ms`) and entropy (seeds, replica ids) are passed in by the adapters in `app/`,
//! `worker/` and `relay/`.

pub mod economy;
pub mod events;
pub mod identity;
pub mod karma;
pub mod ledger;
pub mod llm;
pub mod market;
pub mod mesh;
pub mod router;
pub mod run;
pub mod signal;
pub mod sim;
pub mod store;
pub mod wire;
