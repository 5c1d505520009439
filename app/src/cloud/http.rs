//! One streamed HTTP call from the page: `fetch` with an `AbortSignal`, the body read chunk by
//! chunk as it arrives, an error reply read whole but bounded.
//!
//! Owns nothing but the call. What the bytes mean (a provider's stream or error body) is decided
//! by `amorph_core::llm`; the caller never sees the request's headers again, so the key they carry
//! goes nowhere but the wire.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit, Response};

/// An error reply's body is read up to this many bytes (providers' error bodies are small).
const MAX_ERROR_BODY_BYTES: usize = 16 * 1024;

/// Why a call produced no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The signal fired: the user cancelled, or the run gave the attempt up.
    Aborted,
    /// The browser could not reach the server (offline, DNS, refused, CORS).
    Network(String),
}

/// What the server answered.
pub enum Reply {
    /// 2xx: the body, to be read as it streams.
    Stream(Body),
    /// Anything else: status, `retry-after` (if the server exposes it) and the start of the body.
    Refused { status: u16, retry_after: Option<String>, body: String },
}

/// A streaming response body.
pub struct Body {
    reader: ReadableStreamDefaultReader,
}

/// POSTs `body` (JSON) to `url` with `headers`; `signal` aborts the call and its body.
pub async fn post(url: &str, headers: &[(String, String)], body: &str, signal: &AbortSignal) -> Result<Reply, CallError> {
    let window = web_sys::window().ok_or_else(|| CallError::Network("no window".into()))?;
    let head = Headers::new().map_err(|e| CallError::Network(describe(&e)))?;
    for (name, value) in headers {
        // A header the browser refuses (a bad name) is the registry's fault: say which, never the value.
        head.set(name, value).map_err(|_| CallError::Network(format!("the browser refused the header {name}")))?;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&head);
    init.set_body(&JsValue::from_str(body));
    init.set_signal(Some(signal));
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|e| failure(&e, signal))?;
    let response: Response = response.dyn_into().map_err(|_| CallError::Network("fetch returned no response".into()))?;
    if response.ok() {
        let stream = response.body().ok_or_else(|| CallError::Network("the response has no body".into()))?;
        return Ok(Reply::Stream(Body { reader: stream.get_reader().unchecked_into() }));
    }
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let body = Body { reader: match response.body() {
        Some(stream) => stream.get_reader().unchecked_into(),
        None => return Ok(Reply::Refused { status: response.status(), retry_after, body: String::new() }),
    } };
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next(signal).await? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() >= MAX_ERROR_BODY_BYTES {
            bytes.truncate(MAX_ERROR_BODY_BYTES);
            body.cancel();
            break;
        }
    }
    Ok(Reply::Refused { status: response.status(), retry_after, body: String::from_utf8_lossy(&bytes).into_owned() })
}

impl Body {
    /// The next chunk as it arrived, or `None` at the end of the body.
    pub async fn next(&self, signal: &AbortSignal) -> Result<Option<Vec<u8>>, CallError> {
        let chunk = JsFuture::from(self.reader.read()).await.map_err(|e| failure(&e, signal))?;
        if Reflect::get(&chunk, &"done".into()).ok().and_then(|d| d.as_bool()).unwrap_or(true) {
            return Ok(None);
        }
        let value: Uint8Array = Reflect::get(&chunk, &"value".into())
            .ok()
            .and_then(|v| v.dyn_into().ok())
            .ok_or_else(|| CallError::Network("a chunk of the body is not bytes".into()))?;
        Ok(Some(value.to_vec()))
    }

    /// Stops reading: the browser closes the connection.
    pub fn cancel(&self) {
        let _ = self.reader.cancel();
    }
}

fn failure(error: &JsValue, signal: &AbortSignal) -> CallError {
    if signal.aborted() {
        CallError::Aborted
    } else {
        CallError::Network(describe(error))
    }
}

fn describe(error: &JsValue) -> String {
    error
        .as_string()
        .or_else(|| Reflect::get(error, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| "unknown error".to_string())
}
