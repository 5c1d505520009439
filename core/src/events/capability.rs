//! The capability envelope: what a peer's hardware can do and what its owner lets it take on,
//! signed so others can place work on it (the router's peer placement reads the latest one per
//! author). Published when the device's conditions change and re-signed hourly.

use serde::{Deserialize, Serialize};

use super::{bad, text_field, EventError};
use crate::router::{OwnerPolicy, Power};

pub const MAX_ADAPTER_CHARS: usize = 96;
pub const MAX_LABEL_CHARS: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capability {
    /// "webgpu", "cpu" or "none" (no model loaded).
    pub backend: String,
    /// The WebGPU adapter's name, empty without one.
    pub adapter: String,
    /// The adapter is a software fallback (SwiftShader): no real GPU.
    pub fallback_adapter: bool,
    pub cores: u16,
    /// `navigator.deviceMemory` in MiB (0 when the browser does not say).
    pub memory_mib: u32,
    /// The adapter's `maxBufferSize` in MiB (0 without WebGPU).
    pub gpu_max_buffer_mib: u32,
    /// Self-benchmark: sentence embeddings per second at batch 16, times 10.
    pub embeddings_per_s_x10: u32,
    /// Self-benchmark: dense matmul GFLOP/s on the chosen backend, times 10.
    pub gflops_x10: u32,
    pub power: Power,
    /// Battery level in percent, 255 when unknown.
    pub battery_percent: u8,
    /// `navigator.connection.effectiveType` ("4g", "wifi"…), empty when unknown.
    pub connection: String,
    pub policy: OwnerPolicy,
}

impl Capability {
    pub fn check(&self) -> Result<(), EventError> {
        if !matches!(self.backend.as_str(), "webgpu" | "cpu" | "none") {
            return Err(bad("backend", "must be webgpu, cpu or none"));
        }
        text_field("adapter", &self.adapter, 0, MAX_ADAPTER_CHARS)?;
        text_field("connection", &self.connection, 0, MAX_LABEL_CHARS)?;
        if self.battery_percent > 100 && self.battery_percent != u8::MAX {
            return Err(bad("battery_percent", "0 to 100, or 255 for unknown"));
        }
        self.policy.check().map_err(|e| bad("policy", &e.to_string()))
    }
}
