//! The loaded model on its backend: choosing WebGPU or the CPU, loading the checked files into an
//! `Embedder`, answering embeddings, and the self-benchmark.
//!
//! Owns the one model of this worker (a new load replaces it). Everything here runs on the
//! worker thread, so the page stays responsive however long a batch takes.

use std::cell::RefCell;
use std::rc::Rc;

use amorph_worker::model::Embedder;
use amorph_worker::protocol::{
    Backend, BackendChoice, BenchmarkReport, FromWorker, LoadStage, ModelReport, ModelVariant,
};
use burn::tensor::{Device, Tensor, TensorData};
use wasm_bindgen::JsCast;

use crate::fetcher;
use crate::hardware;

struct Engine {
    embedder: Embedder,
    device: Device,
    backend: Backend,
}

thread_local! {
    static ENGINE: RefCell<Option<Rc<Engine>>> = const { RefCell::new(None) };
}

fn engine() -> Result<Rc<Engine>, String> {
    ENGINE.with(|e| e.borrow().clone()).ok_or_else(|| "the model is not loaded".to_string())
}

/// Fetches, checks and initialises the model; reports progress, then the outcome.
pub async fn load(variant: ModelVariant, choice: BackendChoice, post: &dyn Fn(FromWorker)) {
    ENGINE.with(|e| e.replace(None));
    match try_load(variant, choice, post).await {
        Ok(report) => post(FromWorker::ModelReady(report)),
        Err(message) => post(FromWorker::ModelFailed { message }),
    }
}

async fn try_load(
    variant: ModelVariant,
    choice: BackendChoice,
    post: &dyn Fn(FromWorker),
) -> Result<ModelReport, String> {
    let started = now_ms();
    let manifest = fetcher::manifest().await?;
    let weights_name = match variant {
        ModelVariant::Int8 => "minilm-int8.safetensors",
        ModelVariant::Float32 => "minilm-f32.safetensors",
    };
    let weights = fetcher::file(manifest.file(weights_name)?, post).await?;
    let tokenizer = fetcher::file(manifest.file("tokenizer.json")?, post).await?;
    let fetched = now_ms();
    post(FromWorker::ModelProgress { stage: LoadStage::Initialising, loaded: 0, total: 0 });
    let (device, backend, backend_note) = device(choice).await;
    let embedder = Embedder::load(&weights.bytes, &tokenizer.bytes, &device)
        .map_err(|e| format!("{weights_name} could not be loaded: {e}"))?;
    // One small batch compiles the backend's kernels now rather than on the user's first request.
    embedder.embed(&["warm up"]).await.map_err(|e| format!("the model does not run on {}: {e}", backend.name()))?;
    let report = ModelReport {
        variant,
        backend,
        backend_note,
        from_cache: weights.from_cache && tokenizer.from_cache,
        bytes: (weights.bytes.len() + tokenizer.bytes.len()) as u64,
        fetch_ms: fetched - started,
        init_ms: now_ms() - fetched,
    };
    ENGINE.with(|e| e.replace(Some(Rc::new(Engine { embedder, device, backend }))));
    Ok(report)
}

/// The device for `choice`, and a sentence saying why it is the one.
async fn device(choice: BackendChoice) -> (Device, Backend, String) {
    let cpu = |why: String| (Device::flex(), Backend::Cpu, why);
    if choice == BackendChoice::Cpu {
        return cpu("the CPU, as chosen".into());
    }
    let hardware = hardware::probe().await;
    let adapter = match (&hardware.adapter, &hardware.webgpu_note) {
        (Some(name), _) => name.clone(),
        (None, note) => return cpu(format!("no WebGPU: {}", note.clone().unwrap_or_else(|| "no adapter".into()))),
    };
    if choice == BackendChoice::Auto && hardware.fallback_adapter {
        return cpu(format!("the only WebGPU adapter ({adapter}) is a software fallback; the CPU is faster"));
    }
    let options = Device::wgpu_options().graphics_api(burn::tensor::wgpu::WgpuBackend::WebGpu);
    match options.init_async().await {
        Ok(device) if hardware.fallback_adapter => (
            device,
            Backend::WebGpu,
            format!("WebGPU on {adapter}, as chosen: a software fallback, many times slower than the CPU"),
        ),
        Ok(device) => (device, Backend::WebGpu, format!("WebGPU on {adapter}")),
        Err(e) => cpu(format!("WebGPU on {adapter} failed to start ({e}); running on the CPU")),
    }
}

pub async fn embed(texts: &[String]) -> Result<(Vec<Vec<f32>>, f64), String> {
    let engine = engine()?;
    let started = now_ms();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = engine.embedder.embed(&refs).await.map_err(|e| e.to_string())?;
    Ok((vectors, now_ms() - started))
}

const BENCH_SENTENCES: [&str; 16] = [
    "Summarize the quarterly report in three bullet points",
    "Translate this paragraph into Spanish",
    "Write a Python function that parses a CSV file",
    "Take a photo of the menu board at the cafe",
    "What is the probability of rolling two sixes",
    "Classify these reviews as positive or negative",
    "Render this 3D scene at 4K resolution",
    "Find recent studies on sleep and memory",
    "Draft a polite email declining the invitation",
    "Describe what is in this picture",
    "Prove that the square root of two is irrational",
    "Extract every date from this contract",
    "Compare three note-taking apps by price",
    "Fix the bug in this JavaScript loop",
    "Condense the meeting notes into one paragraph",
    "Check whether the pharmacy is open on Sunday",
];
const MATMUL_SIZE: usize = 256;
const MATMUL_ROUNDS: usize = 8;

/// Embeddings per second at batch 1 and 16, and dense matmul GFLOP/s, on the loaded backend.
/// Short by design (a few seconds on a slow CPU): it runs on every device that loads the model.
pub async fn benchmark() -> Result<BenchmarkReport, String> {
    let engine = engine()?;
    let run = |texts: Vec<&'static str>| {
        let engine = engine.clone();
        async move { engine.embedder.embed(&texts).await.map_err(|e| e.to_string()) }
    };
    run(vec![BENCH_SENTENCES[0]]).await?;
    let started = now_ms();
    for sentence in &BENCH_SENTENCES[..4] {
        run(vec![sentence]).await?;
    }
    let batch1 = 4.0 * 1000.0 / (now_ms() - started).max(0.001);
    let started = now_ms();
    for _ in 0..2 {
        run(BENCH_SENTENCES.to_vec()).await?;
    }
    let batch16 = 32.0 * 1000.0 / (now_ms() - started).max(0.001);
    Ok(BenchmarkReport {
        backend: engine.backend,
        embeddings_per_s_batch1: batch1,
        embeddings_per_s_batch16: batch16,
        matmul_gflops: matmul_gflops(&engine.device).await?,
    })
}

async fn matmul_gflops(device: &Device) -> Result<f64, String> {
    let n = MATMUL_SIZE;
    let values: Vec<f32> = (0..n * n).map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5).collect();
    let a = Tensor::<2>::from_data(TensorData::new(values.clone(), [n, n]), device);
    let b = Tensor::<2>::from_data(TensorData::new(values, [n, n]), device).transpose();
    // Warm-up: compiles the kernel on WebGPU.
    a.clone().matmul(b.clone()).into_data_async().await.map_err(|e| e.to_string())?;
    let started = now_ms();
    let mut sum = a.clone().matmul(b.clone());
    for _ in 1..MATMUL_ROUNDS {
        sum = sum + a.clone().matmul(b.clone());
    }
    sum.into_data_async().await.map_err(|e| e.to_string())?;
    let seconds = (now_ms() - started).max(0.001) / 1000.0;
    Ok((2 * n * n * n * MATMUL_ROUNDS) as f64 / seconds / 1e9)
}

pub fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    performance
        .and_then(|p| {
            js_sys::Reflect::get(&p, &"now".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .and_then(|f| f.call0(&p).ok())
        })
        .and_then(|v| v.as_f64())
        .unwrap_or_else(js_sys::Date::now)
}
