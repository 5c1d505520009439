//! Sentence embedding from hidden states: the mean over a text's real tokens (padding masked
//! out), scaled to unit length, as the model's sentence-transformers pooling config prescribes.

use burn::tensor::Tensor;

/// Smallest norm divided by, so an all-zero vector stays finite (as PyTorch's `normalize`).
const MIN_NORM: f64 = 1e-12;

/// `hidden`: `[batch, tokens, dim]`; `mask`: `[batch, tokens, 1]`, 1 for a real token and 0 for
/// padding. Returns `[batch, dim]`, each row of length 1.
pub(crate) fn mean_pool_normalized(hidden: Tensor<3>, mask: Tensor<3>) -> Tensor<2> {
    let summed = (hidden * mask.clone()).sum_dim(1);
    let mean = (summed / mask.sum_dim(1)).squeeze_dim::<2>(1);
    let norm = mean.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(MIN_NORM);
    mean / norm
}
