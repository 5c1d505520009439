//! Calling a cloud model from the page: the request built by core
//! (`amorph_core::llm::streaming_request`) is sent with `fetch`, and its stream decoded by core
//! chunk by chunk; every decoded event goes to the caller as it arrives.
//!
//! Owns one call and nothing else: retries, budget and cancellation policy are the run engine's
//! (`amorph_core::run`); this module reports what happened and stops when the signal fires.

mod http;

use amorph_core::llm::{classify, HttpRequest, LlmError, StreamDecoder, StreamEvent};
use amorph_core::router::ModelProfile;
use web_sys::AbortSignal;

use http::{CallError, Reply};

/// Sends `request` and hands every decoded event to `sink` as it arrives. Ends when the stream is
/// complete (`Ok`), or with the classified failure (`LlmError::Cancelled` once `signal` fired).
pub async fn stream(
    profile: &ModelProfile,
    request: &HttpRequest,
    signal: &AbortSignal,
    now_ms: impl Fn() -> u64,
    mut sink: impl FnMut(StreamEvent),
) -> Result<(), LlmError> {
    let api = profile.provider.api().ok_or_else(|| LlmError::NotCloud(profile.id.clone()))?;
    let reply = http::post(&request.url, &request.headers, &request.body, signal).await.map_err(lost)?;
    let body = match reply {
        Reply::Stream(body) => body,
        Reply::Refused { status, retry_after, body } => {
            return Err(classify(api, profile.provider, status, retry_after.as_deref(), &body, now_ms()))
        }
    };
    let mut decoder = StreamDecoder::new(api, profile.provider);
    loop {
        let chunk = match body.next(signal).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                body.cancel();
                return Err(lost(e));
            }
        };
        match decoder.push(&chunk) {
            Ok(events) => events.into_iter().for_each(&mut sink),
            Err(e) => {
                body.cancel();
                return Err(e);
            }
        }
    }
    decoder.finish()?.into_iter().for_each(&mut sink);
    Ok(())
}

fn lost(error: CallError) -> LlmError {
    match error {
        CallError::Aborted => LlmError::Cancelled,
        CallError::Network(why) => LlmError::Network(why),
    }
}
