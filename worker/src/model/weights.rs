//! The model's tensors, read from safetensors bytes and placed on a burn device.
//!
//! Reads float32 tensors as they are, and our int8 form (see [`super::quantize`]) dequantized to
//! f32. Each tensor is checked before use: present, of the shape the model needs, F32 (or I8 with
//! its scales), all values finite. Every failure is a [`ModelError`]; no input bytes make it panic.

use super::file::{f32_values, open};
use super::kernels::PackedLinear;
use super::quantize::{dequantize, scale_shape, SCALE_SUFFIX};
use super::ModelError;
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};

/// An opened weights file and the device its tensors go to.
pub(crate) struct Weights<'a> {
    file: SafeTensors<'a>,
    device: Device,
}

impl<'a> Weights<'a> {
    /// Opens safetensors `bytes`; the tensors are read on demand.
    pub fn open(bytes: &'a [u8], device: &Device) -> Result<Self, ModelError> {
        Ok(Self { file: open(bytes)?, device: device.clone() })
    }

    /// A 1-D tensor of `len` values.
    pub fn vector(&self, name: &str, len: usize) -> Result<Tensor<1>, ModelError> {
        let values = self.values(name, &[len])?;
        Ok(Tensor::from_data(TensorData::new(values, [len]), &self.device))
    }

    /// A 2-D tensor, as stored (row-major `[rows, cols]`).
    pub fn matrix(&self, name: &str, rows: usize, cols: usize) -> Result<Tensor<2>, ModelError> {
        let values = self.values(name, &[rows, cols])?;
        Ok(Tensor::from_data(TensorData::new(values, [rows, cols]), &self.device))
    }

    /// A Linear layer's weight: stored as PyTorch's `[outputs, inputs]`, returned as the
    /// `[inputs, outputs]` that `x.matmul(w)` needs (transposed once, here, not on every call).
    pub fn linear(&self, name: &str, outputs: usize, inputs: usize) -> Result<Tensor<2>, ModelError> {
        let stored = self.values(name, &[outputs, inputs])?;
        let mut values = vec![0.0; stored.len()];
        for (o, row) in stored.chunks_exact(inputs).enumerate() {
            for (i, &v) in row.iter().enumerate() {
                values[i * outputs + o] = v;
            }
        }
        Ok(Tensor::from_data(TensorData::new(values, [inputs, outputs]), &self.device))
    }

    /// Whether the tensors go to burn's CPU backend, where the dense layers run on
    /// [`PackedLinear`] rather than on burn's ops.
    pub fn on_cpu(&self) -> bool {
        self.device == Device::flex()
    }

    /// The Linear layer `{prefix}.weight` (PyTorch's `[outputs, inputs]`) and `{prefix}.bias`,
    /// packed for the CPU.
    pub fn packed_linear(&self, prefix: &str, inputs: usize, outputs: usize) -> Result<PackedLinear, ModelError> {
        let name = format!("{prefix}.weight");
        let weight = self.values(&name, &[outputs, inputs])?;
        let bias = self.values(&format!("{prefix}.bias"), &[outputs])?;
        PackedLinear::new(&weight, bias, inputs, outputs)
            .ok_or_else(|| ModelError::Device(format!("`{name}`: the CPU kernel cannot pack {outputs} outputs")))
    }

    /// The f32 values of tensor `name`, which must have `shape`.
    fn values(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, ModelError> {
        let view = self.file.tensor(name).map_err(|_| ModelError::MissingTensor(name.to_string()))?;
        if view.shape() != shape {
            return Err(ModelError::WrongShape {
                name: name.to_string(),
                expected: shape.to_vec(),
                found: view.shape().to_vec(),
            });
        }
        let values = match (view.dtype(), shape) {
            (Dtype::F32, _) => f32_values(view.data()),
            (Dtype::I8, &[rows, cols]) => {
                let scale_shape = scale_shape(rows, cols);
                let scales = self.values(&format!("{name}{SCALE_SUFFIX}"), &scale_shape)?;
                dequantize(view.data(), &scales, cols / scale_shape[1])
            }
            (other, _) => return Err(ModelError::WrongDtype { name: name.to_string(), found: format!("{other:?}") }),
        };
        if values.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite { name: name.to_string() });
        }
        Ok(values)
    }
}
