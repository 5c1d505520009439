//! A Linear layer for the CPU with its weights packed once at load: `y = x·Wᵀ + b`, optionally
//! followed by GELU.
//!
//! The weights are cut into panels of [`PANEL`] output columns, each stored input by input, so
//! the kernel reads them front to back. A tile of [`TILE_ROWS`] input rows by one panel keeps its
//! 4 × 2 four-lane sums in registers while it walks the inputs: every weight loaded serves four
//! rows and every input value loaded serves eight columns. Panels are the outer loop, so each one
//! is read from memory once per call however many rows there are.

use super::gelu::gelu_in_place;
use super::lanes::F32x4;

/// Output columns per panel: two four-lane vectors.
const PANEL: usize = 8;
/// Input rows per tile. Four rows of two vectors are eight running sums; with the two weight
/// vectors and the broadcast input that is eleven of the sixteen vector registers V8 has on x86-64
/// and ARM64, so nothing spills.
const TILE_ROWS: usize = 4;

/// What follows the matrix product.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Activation {
    None,
    Gelu,
}

/// A Linear layer's weight and bias, packed for [`PackedLinear::forward`].
pub(crate) struct PackedLinear {
    inputs: usize,
    outputs: usize,
    /// `outputs / PANEL` panels of `inputs × PANEL` values.
    panels: Vec<f32>,
    bias: Vec<f32>,
}

impl PackedLinear {
    /// Packs `weight`, PyTorch's row-major `[outputs, inputs]`, and `bias` (`outputs` values).
    /// `None` unless the lengths agree and `outputs` is a whole number of panels.
    pub fn new(weight: &[f32], bias: Vec<f32>, inputs: usize, outputs: usize) -> Option<Self> {
        if inputs == 0 || !outputs.is_multiple_of(PANEL) || weight.len() != inputs * outputs || bias.len() != outputs {
            return None;
        }
        let mut panels = Vec::with_capacity(weight.len());
        for first in (0..outputs).step_by(PANEL) {
            for input in 0..inputs {
                panels.extend((first..first + PANEL).map(|output| weight[output * inputs + input]));
            }
        }
        Some(Self { inputs, outputs, panels, bias })
    }

    pub fn inputs(&self) -> usize {
        self.inputs
    }

    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// `x`: rows of `inputs` values each, one after another; returns the rows of `outputs`
    /// values. `None` if `x` is not a whole number of rows.
    pub fn forward(&self, x: &[f32], activation: Activation) -> Option<Vec<f32>> {
        if !x.len().is_multiple_of(self.inputs) {
            return None;
        }
        let rows = x.len() / self.inputs;
        let mut y = vec![0.0; rows * self.outputs];
        for (index, panel) in self.panels.chunks_exact(self.inputs * PANEL).enumerate() {
            let column = index * PANEL;
            let bias = [F32x4::load(&self.bias[column..]), F32x4::load(&self.bias[column + 4..])];
            let mut row = 0;
            while row + TILE_ROWS <= rows {
                self.tile::<TILE_ROWS>(x, row, panel, bias, &mut y, column);
                row += TILE_ROWS;
            }
            match rows - row {
                3 => self.tile::<3>(x, row, panel, bias, &mut y, column),
                2 => self.tile::<2>(x, row, panel, bias, &mut y, column),
                1 => self.tile::<1>(x, row, panel, bias, &mut y, column),
                _ => {}
            }
        }
        if activation == Activation::Gelu {
            gelu_in_place(&mut y);
        }
        Some(y)
    }

    /// Rows `first..first + R` of `y`, columns `column..column + PANEL`.
    #[inline(always)]
    fn tile<const R: usize>(
        &self,
        x: &[f32],
        first: usize,
        panel: &[f32],
        bias: [F32x4; 2],
        y: &mut [f32],
        column: usize,
    ) {
        let inputs = self.inputs;
        let rows: [&[f32]; R] = std::array::from_fn(|r| &x[(first + r) * inputs..][..inputs]);
        let mut sums = [bias; R];
        for (input, weights) in panel.chunks_exact(PANEL).enumerate() {
            let low = F32x4::load(weights);
            let high = F32x4::load(&weights[4..]);
            for (sum, row) in sums.iter_mut().zip(&rows) {
                let value = F32x4::splat(row[input]);
                sum[0] = sum[0].add(value.mul(low));
                sum[1] = sum[1].add(value.mul(high));
            }
        }
        for (r, sum) in sums.iter().enumerate() {
            let out = &mut y[(first + r) * self.outputs + column..][..PANEL];
            sum[0].store(out);
            sum[1].store(&mut out[4..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed pseudo-random sequence in [-1, 1).
    fn values(seed: u32, len: usize) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn reference(x: &[f32], weight: &[f32], bias: &[f32], inputs: usize, outputs: usize) -> Vec<f32> {
        let rows = x.len() / inputs;
        let mut y = vec![0.0; rows * outputs];
        for r in 0..rows {
            for o in 0..outputs {
                let dot: f64 = (0..inputs).map(|i| x[r * inputs + i] as f64 * weight[o * inputs + i] as f64).sum();
                y[r * outputs + o] = (dot + bias[o] as f64) as f32;
            }
        }
        y
    }

    #[test]
    fn equals_a_plain_matrix_product_for_every_row_count() {
        let (inputs, outputs) = (48, 24);
        let weight = values(1, inputs * outputs);
        let bias = values(2, outputs);
        let layer = PackedLinear::new(&weight, bias.clone(), inputs, outputs).expect("packs");
        for rows in 1..=11 {
            let x = values(3 + rows as u32, rows * inputs);
            let y = layer.forward(&x, Activation::None).expect("whole rows");
            let expected = reference(&x, &weight, &bias, inputs, outputs);
            assert_eq!(y.len(), expected.len());
            for (a, b) in y.iter().zip(&expected) {
                assert!((a - b).abs() < 1e-4, "{rows} rows: {a} against {b}");
            }
        }
    }

    #[test]
    fn gelu_follows_the_product_when_asked() {
        let (inputs, outputs) = (16, 8);
        let weight = values(5, inputs * outputs);
        let layer = PackedLinear::new(&weight, vec![0.1; outputs], inputs, outputs).expect("packs");
        let x = values(6, 5 * inputs);
        let mut expected = layer.forward(&x, Activation::None).expect("whole rows");
        gelu_in_place(&mut expected);
        assert_eq!(layer.forward(&x, Activation::Gelu).expect("whole rows"), expected);
    }

    #[test]
    fn refuses_shapes_it_cannot_pack_or_apply() {
        assert!(PackedLinear::new(&[0.0; 12], vec![0.0; 4], 3, 4).is_none(), "4 outputs: half a panel");
        assert!(PackedLinear::new(&[0.0; 15], vec![0.0; 8], 2, 8).is_none(), "weight too short");
        assert!(PackedLinear::new(&[0.0; 16], vec![0.0; 7], 2, 8).is_none(), "bias too short");
        assert!(PackedLinear::new(&[], vec![0.0; 8], 0, 8).is_none(), "no inputs");
        let layer = PackedLinear::new(&[0.0; 16], vec![0.0; 8], 2, 8).expect("packs");
        assert!(layer.forward(&[1.0; 3], Activation::None).is_none(), "a row and a half");
        assert_eq!(layer.forward(&[], Activation::None), Some(vec![]));
    }
}
