//! One BERT encoder layer in burn: multi-head self-attention and the feed-forward block, each
//! followed by a residual add and LayerNorm (post-norm, as in the original BERT).
//!
//! Exact erf GELU, LayerNorm eps 1e-12, padded keys masked by an additive bias. Holds f32 tensors
//! only; where they come from is [`super::weights`]' concern. On the CPU the dense layers run on
//! [`PackedLinear`] (see [`super::kernels`]), everything else on burn's ops.

use super::kernels::{Activation, PackedLinear};
use super::weights::Weights;
use super::ModelError;
use burn::tensor::activation::{gelu, softmax};
use burn::tensor::module::{layer_norm, linear};
use burn::tensor::{Tensor, TensorData};

/// Width of the hidden states.
pub(crate) const HIDDEN: usize = 384;
/// Attention heads per layer.
const HEADS: usize = 12;
const HEAD_DIM: usize = HIDDEN / HEADS;
/// Width of the feed-forward block.
const INTERMEDIATE: usize = 1536;
/// BERT's LayerNorm epsilon (config.json `layer_norm_eps`).
const LAYER_NORM_EPS: f64 = 1e-12;

/// A Linear layer: on the device as burn tensors (its weight as `[inputs, outputs]`), or packed
/// for the CPU.
// 48 of them per model, made once at load: the size of the burn variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Dense {
    OnDevice { weight: Tensor<2>, bias: Tensor<1> },
    Packed(PackedLinear),
}

impl Dense {
    fn load(weights: &Weights, prefix: &str, inputs: usize, outputs: usize) -> Result<Self, ModelError> {
        if weights.on_cpu() {
            return Ok(Self::Packed(weights.packed_linear(prefix, inputs, outputs)?));
        }
        Ok(Self::OnDevice {
            weight: weights.linear(&format!("{prefix}.weight"), outputs, inputs)?,
            bias: weights.vector(&format!("{prefix}.bias"), outputs)?,
        })
    }

    fn forward(&self, x: Tensor<3>, activation: Activation) -> Result<Tensor<3>, ModelError> {
        match self {
            Self::OnDevice { weight, bias } => {
                let y = linear(x, weight.clone(), Some(bias.clone()));
                Ok(if activation == Activation::Gelu { gelu(y) } else { y })
            }
            Self::Packed(layer) => {
                let [batch, tokens, _] = x.dims();
                let device = x.device();
                let data = x.into_data();
                let values = data.as_slice::<f32>().map_err(|e| ModelError::Device(e.to_string()))?;
                let y = layer.forward(values, activation).ok_or_else(|| {
                    ModelError::Device(format!("{} values are not rows of {}", values.len(), layer.inputs()))
                })?;
                Ok(Tensor::from_data(TensorData::new(y, [batch, tokens, layer.outputs()]), &device))
            }
        }
    }
}

/// LayerNorm over the hidden dimension.
pub(crate) struct Norm {
    gamma: Tensor<1>,
    beta: Tensor<1>,
}

impl Norm {
    pub fn load(weights: &Weights, prefix: &str) -> Result<Self, ModelError> {
        Ok(Self {
            gamma: weights.vector(&format!("{prefix}.weight"), HIDDEN)?,
            beta: weights.vector(&format!("{prefix}.bias"), HIDDEN)?,
        })
    }

    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        layer_norm(x, self.gamma.clone(), Some(self.beta.clone()), LAYER_NORM_EPS)
    }
}

/// `encoder.layer.N` of a BERT checkpoint.
pub(crate) struct Layer {
    query: Dense,
    key: Dense,
    value: Dense,
    attention_output: Dense,
    attention_norm: Norm,
    intermediate: Dense,
    output: Dense,
    output_norm: Norm,
}

impl Layer {
    /// Reads the tensors under `prefix` (e.g. `encoder.layer.0`).
    pub fn load(weights: &Weights, prefix: &str) -> Result<Self, ModelError> {
        let dense = |name: &str, inputs, outputs| Dense::load(weights, &format!("{prefix}.{name}"), inputs, outputs);
        Ok(Self {
            query: dense("attention.self.query", HIDDEN, HIDDEN)?,
            key: dense("attention.self.key", HIDDEN, HIDDEN)?,
            value: dense("attention.self.value", HIDDEN, HIDDEN)?,
            attention_output: dense("attention.output.dense", HIDDEN, HIDDEN)?,
            attention_norm: Norm::load(weights, &format!("{prefix}.attention.output.LayerNorm"))?,
            intermediate: dense("intermediate.dense", HIDDEN, INTERMEDIATE)?,
            output: dense("output.dense", INTERMEDIATE, HIDDEN)?,
            output_norm: Norm::load(weights, &format!("{prefix}.output.LayerNorm"))?,
        })
    }

    /// `x`: `[batch, tokens, HIDDEN]`; `key_bias`: `[batch, 1, 1, tokens]`, 0 for a real token and
    /// a large negative number for padding, added to the attention scores.
    pub fn forward(&self, x: Tensor<3>, key_bias: Tensor<4>) -> Result<Tensor<3>, ModelError> {
        let attended = self.attention_output.forward(self.attention(x.clone(), key_bias)?, Activation::None)?;
        let x = self.attention_norm.forward(attended + x);
        let inner = self.intermediate.forward(x.clone(), Activation::Gelu)?;
        Ok(self.output_norm.forward(self.output.forward(inner, Activation::None)? + x))
    }

    fn attention(&self, x: Tensor<3>, key_bias: Tensor<4>) -> Result<Tensor<3>, ModelError> {
        let [batch, tokens, _] = x.dims();
        // [batch, tokens, HIDDEN] -> [batch, HEADS, tokens, HEAD_DIM]
        let heads = |t: Tensor<3>| t.reshape([batch, tokens, HEADS, HEAD_DIM]).swap_dims(1, 2);
        let query = heads(self.query.forward(x.clone(), Activation::None)?);
        let key = heads(self.key.forward(x.clone(), Activation::None)?);
        let value = heads(self.value.forward(x, Activation::None)?);
        let scores = query.matmul(key.swap_dims(2, 3)).div_scalar((HEAD_DIM as f64).sqrt()) + key_bias;
        Ok(softmax(scores, 3).matmul(value).swap_dims(1, 2).reshape([batch, tokens, HIDDEN]))
    }
}
