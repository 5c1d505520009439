//! The encoder's dense layers on the CPU, outside burn's ops.
//!
//! A batch-1 embedding spends most of its time in matrix products of a short input (one
//! sentence, 10 to 40 tokens) with the model's weights. burn's CPU backend hands those to the
//! `gemm` crate, which packs the weights again on every call and whose wasm tile is 12 rows tall,
//! so a sentence of 22 tokens fills two tiles; and its GELU takes libm's erf one value at a time.
//! Packing once at load and a tile sized for short inputs made batch-1 embeddings in the browser
//! about [see docs/benchmarks.md] faster. The WebGPU path keeps burn's own kernels.

mod gelu;
mod lanes;
mod packed;

pub(crate) use packed::{Activation, PackedLinear};
