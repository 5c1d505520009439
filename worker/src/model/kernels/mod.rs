//! The encoder's dense layers on the CPU, outside burn's ops.
//!
//! A batch-1 embedding spends most of its time multiplying a short input (one sentence, 10 to 40
//! tokens) by the model's weights, and much of the rest in many small tensor operations of the
//! attention. Here the weights are packed once at load, the product uses a tile sized for short
//! inputs, GELU and softmax work four lanes at a time, and the attention of each head is one loop
//! over its text's real tokens (the figures and the reasons: docs/benchmarks.md and
//! docs/decisions.md, *Local model*). The WebGPU path keeps burn's kernels.

mod attention;
mod gelu;
mod lanes;
mod math;
mod packed;

pub(crate) use attention::self_attention;
pub(crate) use packed::{Activation, PackedLinear};
