//! The BERT encoder of all-MiniLM-L6-v2 in burn: token + position + segment embeddings, then six
//! [`Layer`]s; returns the last hidden states. Runs on whatever burn device its weights were
//! loaded to (flex CPU or WebGPU).
//!
//! The checkpoint's tensor names and shapes live here; reading and checking them is
//! [`Weights`]' job. The pooler (`pooler.*`) is not used: sentence embeddings pool the hidden states.

use super::layer::{Layer, Norm, HIDDEN};
use super::weights::Weights;
use super::ModelError;
use burn::tensor::module::embedding;
use burn::tensor::{Int, Tensor};

/// Encoder layers.
const LAYERS: usize = 6;
/// Token ids the embedding table covers: every id must be below it.
pub(crate) const VOCAB: usize = 30522;
/// Positions the position table covers: the longest input the model can take.
pub(crate) const MAX_POSITIONS: usize = 512;
/// Segment (token type) ids; a single text is all segment 0.
const SEGMENTS: usize = 2;

/// all-MiniLM-L6-v2's encoder.
pub(crate) struct Bert {
    words: Tensor<2>,
    positions: Tensor<2>,
    segments: Tensor<2>,
    embeddings_norm: Norm,
    layers: Vec<Layer>,
}

impl Bert {
    /// Reads every tensor the encoder needs.
    pub fn load(weights: &Weights) -> Result<Self, ModelError> {
        Ok(Self {
            words: weights.matrix("embeddings.word_embeddings.weight", VOCAB, HIDDEN)?,
            positions: weights.matrix("embeddings.position_embeddings.weight", MAX_POSITIONS, HIDDEN)?,
            segments: weights.matrix("embeddings.token_type_embeddings.weight", SEGMENTS, HIDDEN)?,
            embeddings_norm: Norm::load(weights, "embeddings.LayerNorm")?,
            layers: (0..LAYERS)
                .map(|n| Layer::load(weights, &format!("encoder.layer.{n}")))
                .collect::<Result<_, _>>()?,
        })
    }

    /// `ids`: `[batch, tokens]` (at most [`MAX_POSITIONS`] tokens); `key_bias`: `[batch, 1, 1,
    /// tokens]` (see [`Layer::forward`]). Returns the hidden states `[batch, tokens, HIDDEN]`.
    pub fn forward(&self, ids: Tensor<2, Int>, key_bias: Tensor<4>) -> Result<Tensor<3>, ModelError> {
        let [_, tokens] = ids.dims();
        let positions = self.positions.clone().slice(0..tokens).unsqueeze::<3>();
        let segment = self.segments.clone().slice(0..1).unsqueeze::<3>();
        let x = embedding(self.words.clone(), ids) + positions + segment;
        let x = self.embeddings_norm.forward(x);
        self.layers.iter().try_fold(x, |x, layer| layer.forward(x, key_bias.clone()))
    }
}
