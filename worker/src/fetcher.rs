//! Getting the model's files: the manifest from the server, each file from this browser's Cache
//! Storage or else from the server (streamed, with progress), and every byte checked against the
//! manifest's size and SHA-256 before the model sees it.
//!
//! Owns the cache (one entry per file and hash, so a new model never reads an old file). A cached
//! file that fails its check is deleted and fetched again once.

use amorph_worker::protocol::{FromWorker, LoadStage};
use js_sys::{Reflect, Uint8Array};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, ReadableStreamDefaultReader, Response, WorkerGlobalScope};

pub const MODEL_DIR: &str = "/model/";
const CACHE_NAME: &str = "amorph-model";
/// The manifest is tiny; anything larger is not ours.
const MAX_MANIFEST_BYTES: usize = 64 * 1024;
/// No file of the model is larger (the float weights are 91 MB).
const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;
/// Progress is reported about this often while bytes arrive.
const PROGRESS_STEP_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub files: Vec<ManifestFile>,
}

/// A file's bytes and whether they came from the cache.
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub from_cache: bool,
}

pub async fn manifest() -> Result<Manifest, String> {
    let url = format!("{MODEL_DIR}manifest.json");
    let response = fetch(&url).await.map_err(|e| format!("the model manifest could not be fetched: {e}"))?;
    let text = JsFuture::from(response.text().map_err(describe)?).await.map_err(describe)?;
    let text = text.as_string().unwrap_or_default();
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(format!("the model manifest is {} bytes; it cannot be ours", text.len()));
    }
    serde_json::from_str(&text).map_err(|e| format!("the model manifest is unreadable: {e}"))
}

impl Manifest {
    pub fn file(&self, name: &str) -> Result<&ManifestFile, String> {
        self.files
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| format!("the model manifest does not list {name}: the server holds another model"))
    }
}

/// `file` from the cache or the server, checked. `progress` hears every stage.
pub async fn file(file: &ManifestFile, progress: &dyn Fn(FromWorker)) -> Result<Fetched, String> {
    if file.bytes > MAX_FILE_BYTES {
        return Err(format!("{} is listed at {} bytes; no model file is that large", file.name, file.bytes));
    }
    let key = format!("{MODEL_DIR}{}?sha256={}", file.name, file.sha256);
    let cache = open_cache().await;
    if let Some(cache) = &cache {
        if let Some(bytes) = cached(cache, &key).await {
            progress(FromWorker::ModelProgress {
                stage: LoadStage::ReadingCache,
                loaded: bytes.len() as u64,
                total: file.bytes,
            });
            progress(FromWorker::ModelProgress { stage: LoadStage::Verifying, loaded: 0, total: file.bytes });
            if check(file, &bytes).is_ok() {
                return Ok(Fetched { bytes, from_cache: true });
            }
            // A damaged cache entry: drop it and fetch the file again.
            let _ = cache.delete_with_str(&key);
        }
    }
    let mut bytes = download(&format!("{MODEL_DIR}{}", file.name), file, progress).await?;
    progress(FromWorker::ModelProgress { stage: LoadStage::Verifying, loaded: 0, total: file.bytes });
    check(file, &bytes)?;
    if let Some(cache) = &cache {
        if let Ok(response) = Response::new_with_opt_u8_array(Some(&mut bytes)) {
            // A full cache only costs the next load a download.
            let _ = JsFuture::from(cache.put_with_str(&key, &response)).await;
        }
    }
    Ok(Fetched { bytes, from_cache: false })
}

/// Size first (a cut download says so plainly), then the SHA-256.
fn check(file: &ManifestFile, bytes: &[u8]) -> Result<(), String> {
    let mb = |n: u64| n as f64 / 1e6;
    if bytes.len() as u64 != file.bytes {
        return Err(format!(
            "{} is {:.1} MB but the manifest says {:.1} MB: the download was cut short or the file is damaged; reload to try again",
            file.name,
            mb(bytes.len() as u64),
            mb(file.bytes)
        ));
    }
    let got = hex::encode(Sha256::digest(bytes));
    if !got.eq_ignore_ascii_case(&file.sha256) {
        return Err(format!(
            "{} fails its checksum (SHA-256 {}…, the manifest says {}…): the file is damaged or not the published model; reload to try again",
            file.name,
            &got[..12],
            file.sha256.get(..12).unwrap_or(&file.sha256)
        ));
    }
    Ok(())
}

fn scope() -> WorkerGlobalScope {
    js_sys::global().unchecked_into()
}

async fn open_cache() -> Option<Cache> {
    // Cache Storage exists only in secure contexts (https or localhost).
    let caches = scope().caches().ok()?;
    JsFuture::from(caches.open(CACHE_NAME)).await.ok()?.dyn_into().ok()
}

async fn cached(cache: &Cache, key: &str) -> Option<Vec<u8>> {
    let found = JsFuture::from(cache.match_with_str(key)).await.ok()?;
    let response: Response = found.dyn_into().ok()?;
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(Uint8Array::new(&buffer).to_vec())
}

async fn fetch(url: &str) -> Result<Response, String> {
    let response = JsFuture::from(scope().fetch_with_str(url)).await.map_err(describe)?;
    let response: Response = response.dyn_into().map_err(|_| "the fetch did not return a response".to_string())?;
    if !response.ok() {
        return Err(format!("the server answered {} {} for {url}", response.status(), response.status_text()));
    }
    Ok(response)
}

/// Streams `url`, reporting progress, refusing more bytes than the manifest lists.
async fn download(url: &str, file: &ManifestFile, progress: &dyn Fn(FromWorker)) -> Result<Vec<u8>, String> {
    let fail = |e: String| format!("{} could not be fetched: {e}", file.name);
    let response = fetch(url).await.map_err(fail)?;
    let body = response.body().ok_or_else(|| fail("the response has no body".into()))?;
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(usize::try_from(file.bytes).unwrap_or(0));
    let mut reported = 0u64;
    progress(FromWorker::ModelProgress { stage: LoadStage::Fetching, loaded: 0, total: file.bytes });
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| fail(describe(e)))?;
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            break;
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())
            .map_err(|e| fail(describe(e)))?
            .dyn_into()
            .map_err(|_| fail("a chunk is not bytes".into()))?;
        bytes.extend_from_slice(&value.to_vec());
        if bytes.len() as u64 > file.bytes {
            let _ = reader.cancel();
            return Err(format!(
                "{} is larger than the {} bytes the manifest lists: not the published model",
                file.name, file.bytes
            ));
        }
        if bytes.len() as u64 - reported >= PROGRESS_STEP_BYTES {
            reported = bytes.len() as u64;
            progress(FromWorker::ModelProgress { stage: LoadStage::Fetching, loaded: reported, total: file.bytes });
        }
    }
    progress(FromWorker::ModelProgress { stage: LoadStage::Fetching, loaded: bytes.len() as u64, total: file.bytes });
    Ok(bytes)
}

pub fn describe(error: JsValue) -> String {
    error
        .as_string()
        .or_else(|| Reflect::get(&error, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| "unknown error".to_string())
}
