//! Messages between the app (main thread) and the worker, as JSON strings.
//!
//! Owns the wire shape of app ⇄ worker messages. Never carries secrets (the identity seed stays
//! on the main thread).

use serde::{Deserialize, Serialize};

/// The largest message either side accepts, in bytes. Anything larger is refused unparsed.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Requests from the app to the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Liveness check; answered with `Pong` carrying the same number.
    Ping { seq: u32 },
    /// Asks for a `Hardware` report.
    ProbeHardware,
}

/// What the worker reports to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm is running and listening; sent once at start. Messages posted to the
    /// worker before this may be lost, so the app waits for it before sending anything.
    Ready {
        version: String,
    },
    Pong {
        seq: u32,
    },
    Hardware(HardwareReport),
    /// A request could not be read or served.
    Error {
        message: String,
    },
}

/// What this device can offer for local work, as the worker sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct HardwareReport {
    /// `navigator.hardwareConcurrency` (logical cores); 0 when unknown.
    pub cores: u32,
    /// `navigator.deviceMemory` in GB (coarse, privacy-bucketed by the browser); `None` when the
    /// browser does not expose it.
    pub device_memory_gb: Option<f64>,
    /// `navigator.gpu` exists and `requestAdapter()` returned an adapter.
    pub webgpu: bool,
    /// A readable adapter name from `adapter.info` (description, else vendor and architecture).
    pub adapter: Option<String>,
    /// The adapter is a software fallback (e.g. SwiftShader in headless Chromium).
    pub fallback_adapter: bool,
    /// Why WebGPU is unavailable, when it is.
    pub webgpu_note: Option<String>,
}

impl ToWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        parse(text)
    }
}

impl FromWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        parse(text)
    }
}

fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(format!("message is {} bytes; the limit is {MAX_MESSAGE_BYTES}", text.len()));
    }
    serde_json::from_str(text).map_err(|e| format!("unreadable worker message: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_as_json() {
        let ping = ToWorker::Ping { seq: 7 };
        assert_eq!(ping.to_json(), r#"{"type":"ping","seq":7}"#);
        assert_eq!(ToWorker::from_json(&ping.to_json()), Ok(ping));
        let report = FromWorker::Hardware(HardwareReport {
            cores: 8,
            device_memory_gb: Some(8.0),
            webgpu: true,
            adapter: Some("SwiftShader".into()),
            fallback_adapter: true,
            webgpu_note: None,
        });
        assert_eq!(FromWorker::from_json(&report.to_json()), Ok(report));
    }

    #[test]
    fn bad_messages_are_errors_not_panics() {
        assert!(ToWorker::from_json("{\"type\":\"shout\"}").is_err());
        assert!(FromWorker::from_json("not json").is_err());
        assert!(ToWorker::from_json(&" ".repeat(MAX_MESSAGE_BYTES + 1)).is_err());
    }
}
