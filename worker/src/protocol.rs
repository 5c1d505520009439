//! Messages between the app (main thread) and the worker, as JSON strings.
//!
//! Owns the wire shape of app ⇄ worker messages. Never carries secrets (the identity seed stays
//! on the main thread).

use serde::{Deserialize, Serialize};

/// The largest message either side accepts, in bytes. Anything larger is refused unparsed. Sized
/// for a full batch of embeddings (64 × 384 floats as JSON) or of texts.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The most texts one `Embed` request carries.
pub const MAX_EMBED_BATCH: usize = 64;
/// The longest text one `Embed` request carries, in bytes; the model reads at most its first
/// few hundred tokens anyway.
pub const MAX_EMBED_TEXT_BYTES: usize = 4 * 1024;

/// Requests from the app to the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    /// Liveness check; answered with `Pong` carrying the same number.
    Ping { seq: u32 },
    /// Asks for a `Hardware` report.
    ProbeHardware,
    /// Fetches the model (or reads it from the cache), verifies it against the manifest and
    /// initialises it on `backend`; answered with `ModelProgress` reports, then `ModelReady` or
    /// `ModelFailed`.
    LoadModel { variant: ModelVariant, backend: BackendChoice },
    /// Sentence embeddings of `texts`; answered with `Embeddings` or `EmbedFailed` carrying `id`.
    Embed { id: u32, texts: Vec<String> },
    /// The self-benchmark (embeddings per second, matmul GFLOP/s); answered with `Benchmark`.
    Benchmark { id: u32 },
}

/// Which weights to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelVariant {
    /// 8-bit weights (a quarter of the download), computed in f32.
    Int8,
    #[serde(rename = "f32")]
    Float32,
}

/// Where the model should run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// WebGPU when an adapter exists, the CPU otherwise.
    Auto,
    Cpu,
    #[serde(rename = "webgpu")]
    WebGpu,
}

/// Where the model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Cpu,
    #[serde(rename = "webgpu")]
    WebGpu,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Cpu => "cpu",
            Backend::WebGpu => "webgpu",
        }
    }
}

/// A step of loading the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadStage {
    /// Bytes arriving from the network (`loaded` of `total`).
    Fetching,
    /// Bytes read from the cache.
    ReadingCache,
    /// Checking the SHA-256 of every file against the manifest.
    Verifying,
    /// Building the model on the backend.
    Initialising,
}

/// The model is loaded and answers `Embed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    pub variant: ModelVariant,
    pub backend: Backend,
    /// Why the backend is not WebGPU when `Auto` was asked for, or what the adapter is.
    pub backend_note: String,
    /// Every file came from the cache; nothing was fetched.
    pub from_cache: bool,
    /// Bytes of weights and tokenizer.
    pub bytes: u64,
    pub fetch_ms: f64,
    pub init_ms: f64,
}

/// The self-benchmark's figures on the loaded model's backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkReport {
    pub backend: Backend,
    pub embeddings_per_s_batch1: f64,
    pub embeddings_per_s_batch16: f64,
    pub matmul_gflops: f64,
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
    ModelProgress {
        stage: LoadStage,
        loaded: u64,
        total: u64,
    },
    ModelReady(ModelReport),
    /// Loading failed; the message says what to do. The worker keeps answering other requests.
    ModelFailed {
        message: String,
    },
    Embeddings {
        id: u32,
        vectors: Vec<Vec<f32>>,
        ms: f64,
    },
    EmbedFailed {
        id: u32,
        message: String,
    },
    Benchmark {
        id: u32,
        report: Result<BenchmarkReport, String>,
    },
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
    /// The adapter's `maxBufferSize` and `maxComputeWorkgroupStorageSize`, when there is one.
    pub max_buffer_bytes: Option<u64>,
    pub max_workgroup_storage_bytes: Option<u64>,
    /// `navigator.connection.effectiveType` as the worker sees it ("4g", "3g"…).
    pub connection: Option<String>,
}

impl ToWorker {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a request and checks its bounds.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let request: ToWorker = parse(text)?;
        if let ToWorker::Embed { texts, .. } = &request {
            if texts.is_empty() || texts.len() > MAX_EMBED_BATCH {
                return Err(format!("an embedding batch holds 1 to {MAX_EMBED_BATCH} texts, not {}", texts.len()));
            }
            if let Some(long) = texts.iter().find(|t| t.len() > MAX_EMBED_TEXT_BYTES) {
                return Err(format!("a text to embed is {} bytes; the limit is {MAX_EMBED_TEXT_BYTES}", long.len()));
            }
        }
        Ok(request)
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
            max_buffer_bytes: Some(268_435_456),
            max_workgroup_storage_bytes: Some(16_384),
            connection: Some("4g".into()),
        });
        let load = ToWorker::LoadModel { variant: ModelVariant::Int8, backend: BackendChoice::Auto };
        assert_eq!(load.to_json(), r#"{"type":"load_model","variant":"int8","backend":"auto"}"#);
        let gpu = ToWorker::LoadModel { variant: ModelVariant::Float32, backend: BackendChoice::WebGpu };
        assert_eq!(gpu.to_json(), r#"{"type":"load_model","variant":"f32","backend":"webgpu"}"#);
        assert_eq!(FromWorker::from_json(&report.to_json()), Ok(report));
    }

    #[test]
    fn bad_messages_are_errors_not_panics() {
        assert!(ToWorker::from_json("{\"type\":\"shout\"}").is_err());
        assert!(FromWorker::from_json("not json").is_err());
        assert!(ToWorker::from_json(&" ".repeat(MAX_MESSAGE_BYTES + 1)).is_err());
        let embed = |texts: Vec<String>| ToWorker::from_json(&ToWorker::Embed { id: 1, texts }.to_json());
        assert!(embed(vec![]).unwrap_err().contains("1 to 64 texts"));
        assert!(embed(vec!["x".repeat(MAX_EMBED_TEXT_BYTES + 1)]).unwrap_err().contains("the limit is 4096"));
        assert!(embed(vec!["fine".into(); MAX_EMBED_BATCH]).is_ok());
    }
}
