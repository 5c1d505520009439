//! Hardware probe: cores, device memory, connection type, and the WebGPU adapter with its limits,
//! read from the worker's `navigator`.
//!
//! Owns feature detection only; never runs a benchmark (see `engine`) or allocates GPU memory.
//! Uses `js_sys::Reflect` so no unstable web-sys WebGPU API is needed.

use amorph_worker::protocol::HardwareReport;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Some browsers never settle `requestAdapter`; the report must not wait for ever.
const ADAPTER_TIMEOUT_MS: i32 = 5_000;
const TIMED_OUT: &str = "amorph:timed-out";

pub async fn probe() -> HardwareReport {
    let mut report = HardwareReport::default();
    let navigator = get(&js_sys::global(), "navigator");
    report.cores = get(&navigator, "hardwareConcurrency").as_f64().map(|c| c.max(0.0) as u32).unwrap_or(0);
    report.device_memory_gb = get(&navigator, "deviceMemory").as_f64();
    report.connection = get(&get(&navigator, "connection"), "effectiveType").as_string();
    match adapter(&navigator).await {
        Ok(adapter) => {
            report.webgpu = true;
            report.fallback_adapter = adapter_is_fallback(&adapter);
            report.adapter = Some(adapter_name(&adapter));
            let limits = get(&adapter, "limits");
            let limit = |key: &str| get(&limits, key).as_f64().map(|v| v.max(0.0) as u64);
            report.max_buffer_bytes = limit("maxBufferSize");
            report.max_workgroup_storage_bytes = limit("maxComputeWorkgroupStorageSize");
        }
        Err(note) => report.webgpu_note = Some(note),
    }
    report
}

/// Asks for a WebGPU adapter.
async fn adapter(navigator: &JsValue) -> Result<JsValue, String> {
    let gpu = get(navigator, "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Err("navigator.gpu is missing: this browser has WebGPU turned off or lacks it".into());
    }
    let request: Function = get(&gpu, "requestAdapter")
        .dyn_into()
        .map_err(|_| "navigator.gpu.requestAdapter is not a function".to_string())?;
    let promise: Promise = request
        .call0(&gpu)
        .and_then(|value| value.dyn_into())
        .map_err(|error| format!("requestAdapter failed: {}", describe(&error)))?;
    let race = Promise::race(&Array::of2(&promise, &timeout(ADAPTER_TIMEOUT_MS)));
    let adapter = JsFuture::from(race).await.map_err(|error| format!("requestAdapter failed: {}", describe(&error)))?;
    if adapter.as_string().as_deref() == Some(TIMED_OUT) {
        return Err(format!("requestAdapter did not answer within {} s", ADAPTER_TIMEOUT_MS / 1000));
    }
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU is present but no adapter is available".into());
    }
    Ok(adapter)
}

/// A readable name from `adapter.info` (description, else vendor, architecture and device).
fn adapter_name(adapter: &JsValue) -> String {
    let info = get(adapter, "info");
    let text = |key: &str| get(&info, key).as_string().filter(|s| !s.trim().is_empty());
    text("description")
        .or_else(|| {
            let parts: Vec<String> =
                [text("vendor"), text("architecture"), text("device")].into_iter().flatten().collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
        .unwrap_or_else(|| "unnamed adapter".to_string())
}

/// A software fallback adapter (SwiftShader in headless Chromium).
fn adapter_is_fallback(adapter: &JsValue) -> bool {
    get(&get(adapter, "info"), "isFallbackAdapter")
        .as_bool()
        .or_else(|| get(adapter, "isFallbackAdapter").as_bool())
        .unwrap_or(false)
}

/// A promise that resolves to `TIMED_OUT` after `ms` milliseconds.
fn timeout(ms: i32) -> Promise {
    Promise::new(&mut |resolve, _reject| {
        let global = js_sys::global();
        if let Ok(set_timeout) = get(&global, "setTimeout").dyn_into::<Function>() {
            let _ = set_timeout.call3(&global, &resolve, &JsValue::from(ms), &JsValue::from_str(TIMED_OUT));
        }
    })
}

fn get(target: &JsValue, key: &str) -> JsValue {
    if target.is_undefined() || target.is_null() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn describe(error: &JsValue) -> String {
    error.as_string().or_else(|| get(error, "message").as_string()).unwrap_or_else(|| "unknown error".to_string())
}
