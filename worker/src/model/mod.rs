//! The local embedding model: all-MiniLM-L6-v2 sentence embeddings (384 floats, unit length).
//!
//! Owns reading the weights (float32 or our int8 form), tokenising, the BERT encoder on burn and
//! pooling. Takes bytes and texts, returns vectors or a [`ModelError`]; never fetches anything and
//! never touches the protocol or the network. With only the `quantize` feature, just the int8
//! format and its quantizer are built (no burn), for the `amorph-quantize` tool.

mod error;
mod file;
pub mod quantize;

#[cfg(feature = "model")]
mod bert;
#[cfg(feature = "model")]
mod embedder;
#[cfg(feature = "model")]
mod kernels;
#[cfg(feature = "model")]
mod layer;
#[cfg(feature = "model")]
mod pooling;
#[cfg(feature = "model")]
mod tokenizer;
#[cfg(feature = "model")]
mod weights;

#[cfg(feature = "model")]
pub use embedder::{Embedder, DIMENSIONS, MAX_BATCH, MAX_TEXT_BYTES};
pub use error::ModelError;
#[cfg(feature = "model")]
pub use tokenizer::MAX_TOKENS;
