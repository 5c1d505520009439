//! Weight-only int8: the smaller download of the model, and how to read it back.
//!
//! Each 2-D F32 tensor `W` of shape `[rows, cols]` is stored as an I8 tensor `W` of the same shape
//! plus an F32 tensor `W.scale` of shape `[rows]`, with `W[r][c] ≈ W.int8[r][c] × W.scale[r]` and
//! `W.scale[r] = max_c |W[r][c]| / 127` (symmetric, one scale per row: per output feature for
//! PyTorch's `[out, in]` Linear weights, per token for the embedding tables). Every other tensor
//! (biases, LayerNorm parameters, integer buffers) is copied unchanged. The result is a standard
//! safetensors file that any reader can open.
//!
//! Only storage and download are 8-bit: all-MiniLM-L6-v2 shrinks from ~91 MB to ~23 MB. The
//! loader dequantizes to f32 once, and all compute stays f32.

use super::file::{f32_values, open};
use super::ModelError;
use safetensors::tensor::TensorView;
use safetensors::Dtype;
use std::collections::HashMap;

/// Suffix of the per-row scale tensor that accompanies each int8 tensor.
pub const SCALE_SUFFIX: &str = ".scale";
/// The largest magnitude an int8 value takes (symmetric: -127..=127).
const LEVELS: f32 = 127.0;

/// Returns the int8 form (see the module docs) of the safetensors file `bytes`.
pub fn quantize(bytes: &[u8]) -> Result<Vec<u8>, ModelError> {
    let file = open(bytes)?;
    let mut owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut kept = Vec::new();
    for (name, view) in file.iter() {
        match (view.dtype(), view.shape()) {
            (Dtype::F32, &[rows, cols]) => {
                let values = f32_values(view.data());
                if values.iter().any(|v| !v.is_finite()) {
                    return Err(ModelError::NonFinite { name: name.to_string() });
                }
                let (quantized, scales) = quantize_rows(&values, cols);
                let scale_bytes = scales.iter().flat_map(|s| s.to_le_bytes()).collect();
                owned.push((name.to_string(), Dtype::I8, vec![rows, cols], quantized));
                owned.push((format!("{name}{SCALE_SUFFIX}"), Dtype::F32, vec![rows], scale_bytes));
            }
            _ => kept.push((name.to_string(), view)),
        }
    }
    let mut tensors = kept;
    for (name, dtype, shape, data) in &owned {
        let view = TensorView::new(*dtype, shape.clone(), data).map_err(|e| ModelError::Serialize(e.to_string()))?;
        tensors.push((name.clone(), view));
    }
    let info = HashMap::from([("quantization".to_string(), "int8 symmetric per row, f32 <name>.scale".to_string())]);
    safetensors::serialize(tensors, Some(info)).map_err(|e| ModelError::Serialize(e.to_string()))
}

/// Quantizes a row-major matrix with `cols` columns: the int8 values (as bytes) and one scale per row.
fn quantize_rows(values: &[f32], cols: usize) -> (Vec<u8>, Vec<f32>) {
    let mut quantized = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(values.len() / cols.max(1));
    for row in values.chunks(cols.max(1)) {
        let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = max / LEVELS;
        scales.push(scale);
        for v in row {
            let q = if scale > 0.0 { (v / scale).round().clamp(-LEVELS, LEVELS) } else { 0.0 };
            quantized.push(q as i8 as u8);
        }
    }
    (quantized, scales)
}

/// The f32 matrix that int8 `values` (raw bytes, row-major) and their per-row `scales` stand for.
pub fn dequantize(values: &[u8], scales: &[f32]) -> Vec<f32> {
    let cols = values.len() / scales.len().max(1);
    values
        .chunks(cols.max(1))
        .zip(scales)
        .flat_map(|(row, &s)| row.iter().map(move |&q| f32::from(q as i8) * s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_within_half_a_step() {
        let values = [0.5, -1.0, 0.25, 0.0, 0.0, 0.0, 3.0, 2.9, -0.01];
        let (quantized, scales) = quantize_rows(&values, 3);
        assert_eq!(scales[1], 0.0, "an all-zero row gets scale 0");
        let back = dequantize(&quantized, &scales);
        for ((v, b), s) in values.iter().zip(&back).zip(scales.iter().flat_map(|s| [s; 3])) {
            assert!((v - b).abs() <= s / 2.0 + 1e-7, "{v} came back as {b}");
        }
        assert_eq!(quantized[1] as i8, -127, "the largest magnitude maps to ±127");
    }
}
