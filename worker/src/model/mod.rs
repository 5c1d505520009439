//! The local embedding model: all-MiniLM-L6-v2 sentence embeddings (384 floats, unit length).
//!
//! Owns reading the weights (float32 or our int8 form), tokenising, the BERT encoder on burn and
//! pooling. Takes bytes and texts, returns vectors or a [`ModelError`]; never fetches anything and
//! never touches the protocol or the network. With only the `quantize` feature, just the int8
//! format and its quantizer are built (no burn), for the `amorph-quantize` tool.

mod error;
mod file;
pub mod quantize;

pub use error::ModelError;
