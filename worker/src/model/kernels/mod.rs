//! The encoder's dense layers on the CPU, outside burn's ops.
//!
//! A batch-1 embedding spends most of its time multiplying a short input (one sentence, 10 to 40
//! tokens) by the model's weights. Packing those weights once at load, a tile sized for short
//! inputs and a GELU that works four lanes at a time made embeddings in Chromium about 1.5× as
//! fast at batch 1 and 1.4× at batch 16 as burn flex's own matmul and GELU (the figures and the
//! reasons: docs/benchmarks.md and docs/decisions.md, *Local model*). The WebGPU path keeps burn's
//! kernels.

mod gelu;
mod lanes;
mod packed;

pub(crate) use packed::{Activation, PackedLinear};
