//! Multi-head self-attention on the CPU: for each text of a padded batch and each head, the scaled
//! dot products of every real query with the text's real keys, their softmax, and the weighted sum
//! of the values. Padding keys are left out rather than masked, so they weigh exactly 0; padding
//! queries are skipped (their rows stay 0, and pooling never reads them).

use super::lanes::F32x4;
use super::math::exp_of_negative;

/// `query`, `key`, `value`: `lengths.len() × tokens` rows of `heads` heads of `4 × LANES` values
/// each, side by side (as the Linear layers write them); `lengths`: the real tokens of each text,
/// 1 to `tokens`, padding last. Returns the context in the same layout; `None` if the sizes
/// disagree.
pub(crate) fn self_attention<const LANES: usize>(
    query: &[f32],
    key: &[f32],
    value: &[f32],
    heads: usize,
    tokens: usize,
    lengths: &[usize],
) -> Option<Vec<f32>> {
    let head = 4 * LANES;
    let width = heads * head;
    let size = lengths.len() * tokens * width;
    if [query.len(), key.len(), value.len()] != [size; 3] || lengths.iter().any(|&len| len == 0 || len > tokens) {
        return None;
    }
    let scale = 1.0 / (head as f32).sqrt();
    let mut context = vec![0.0; size];
    let mut weights = vec![0.0; tokens];
    for (text, &len) in lengths.iter().enumerate() {
        let at = |token: usize, h: usize| (text * tokens + token) * width + h * head;
        for h in 0..heads {
            for i in 0..len {
                let q: [F32x4; LANES] = std::array::from_fn(|l| F32x4::load(&query[at(i, h) + 4 * l..]));
                let weights = &mut weights[..len];
                for (j, weight) in weights.iter_mut().enumerate() {
                    *weight = dot(&q, &key[at(j, h)..][..head]) * scale;
                }
                let total = softmax_numerators(weights);
                let mut sums = [F32x4::splat(0.0); LANES];
                for (j, &weight) in weights.iter().enumerate() {
                    let weight = F32x4::splat(weight);
                    let v = &value[at(j, h)..][..head];
                    for (l, sum) in sums.iter_mut().enumerate() {
                        *sum = sum.add(weight.mul(F32x4::load(&v[4 * l..])));
                    }
                }
                let inverse = F32x4::splat(1.0 / total);
                let out = &mut context[at(i, h)..][..head];
                for (l, sum) in sums.iter().enumerate() {
                    sum.mul(inverse).store(&mut out[4 * l..]);
                }
            }
        }
    }
    Some(context)
}

#[inline(always)]
fn dot<const LANES: usize>(q: &[F32x4; LANES], k: &[f32]) -> f32 {
    q.iter().enumerate().fold(F32x4::splat(0.0), |sum, (l, &q)| sum.add(q.mul(F32x4::load(&k[4 * l..])))).sum()
}

/// Replaces each score s with e^(s - max) and returns their sum (softmax without the division).
fn softmax_numerators(scores: &mut [f32]) -> f32 {
    let max = F32x4::splat(scores.iter().copied().fold(f32::NEG_INFINITY, f32::max));
    let mut total = F32x4::splat(0.0);
    let mut chunks = scores.chunks_exact_mut(4);
    for chunk in &mut chunks {
        let e = exp_of_negative(max.sub(F32x4::load(chunk)));
        e.store(chunk);
        total = total.add(e);
    }
    let rest = chunks.into_remainder();
    let mut padded = [0.0; 4];
    padded[..rest.len()].copy_from_slice(rest);
    let mut e = [0.0; 4];
    exp_of_negative(max.sub(F32x4::load(&padded))).store(&mut e);
    let len = rest.len();
    rest.copy_from_slice(&e[..len]);
    total.sum() + e[..len].iter().sum::<f32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain f64 attention over the first `len` keys of one text.
    fn reference(query: &[f32], key: &[f32], value: &[f32], heads: usize, head: usize, tokens: usize, len: usize) -> Vec<f32> {
        let width = heads * head;
        let mut context = vec![0.0; tokens * width];
        for h in 0..heads {
            for i in 0..len {
                let scores: Vec<f64> = (0..len)
                    .map(|j| {
                        (0..head).map(|d| query[i * width + h * head + d] as f64 * key[j * width + h * head + d] as f64).sum::<f64>()
                            / (head as f64).sqrt()
                    })
                    .collect();
                let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = e.iter().sum();
                for d in 0..head {
                    let v: f64 = (0..len).map(|j| e[j] * value[j * width + h * head + d] as f64).sum();
                    context[i * width + h * head + d] = (v / total) as f32;
                }
            }
        }
        context
    }

    fn values(seed: u64, len: usize) -> Vec<f32> {
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                ((state >> 40) as f32 / (1u64 << 24) as f32) * 6.0 - 3.0
            })
            .collect()
    }

    #[test]
    fn equals_plain_attention_for_each_text_of_a_padded_batch() {
        let (heads, tokens, lengths) = (3, 7, [7, 1, 5, 6]);
        let size = lengths.len() * tokens * heads * 8;
        let (q, k, v) = (values(1, size), values(2, size), values(3, size));
        let context = self_attention::<2>(&q, &k, &v, heads, tokens, &lengths).expect("sizes agree");
        let text = tokens * heads * 8;
        for (t, &len) in lengths.iter().enumerate() {
            let part = |m: &[f32]| m[t * text..][..text].to_vec();
            let expected = reference(&part(&q), &part(&k), &part(&v), heads, 8, tokens, len);
            for (n, (a, b)) in part(&context).iter().zip(&expected).enumerate() {
                assert!((a - b).abs() < 1e-5, "text {t}, value {n}: {a} against {b}");
            }
        }
    }

    #[test]
    fn padding_changes_nothing_for_the_real_tokens() {
        let (heads, len) = (2, 3);
        let width = heads * 4;
        let (q, k, v) = (values(4, len * width), values(5, len * width), values(6, len * width));
        let alone = self_attention::<1>(&q, &k, &v, heads, len, &[len]).expect("sizes agree");
        let pad = |m: &[f32], fill: f32| [m, &vec![fill; 2 * width]].concat();
        let padded = self_attention::<1>(&pad(&q, 9.0), &pad(&k, 50.0), &pad(&v, 1e6), heads, len + 2, &[len])
            .expect("sizes agree");
        assert_eq!(padded[..len * width], alone[..]);
        assert!(padded[len * width..].iter().all(|&x| x == 0.0));
    }

    #[test]
    fn refuses_sizes_that_disagree() {
        let q = vec![0.0; 2 * 4 * 8];
        assert!(self_attention::<2>(&q, &q, &q, 1, 4, &[4, 4]).is_some());
        assert!(self_attention::<2>(&q, &q, &q[1..], 1, 4, &[4, 4]).is_none(), "a value short");
        assert!(self_attention::<2>(&q, &q, &q, 1, 4, &[4, 0]).is_none(), "an empty text");
        assert!(self_attention::<2>(&q, &q, &q, 1, 4, &[4, 5]).is_none(), "longer than the batch");
        assert!(self_attention::<2>(&q, &q, &q, 1, 4, &[4]).is_none(), "one text too few");
    }
}
