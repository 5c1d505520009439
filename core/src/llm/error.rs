//! Why a call to a model failed, in one sentence a user can act on, and whether another attempt
//! may help. Error replies are read by their documented codes (OpenAI `error.code`, Anthropic
//! `error.type`, Gemini `error.status`); a provider's own message text is never shown, because
//! some echo part of the key that was refused.

use serde_json::Value;

use crate::router::{Api, Provider};

/// A provider that asks to wait longer than this is not believed: we wait this long.
const MAX_RETRY_AFTER_MS: u64 = 10 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    #[error("{0} refused the API key: check it in Settings")]
    BadKey(&'static str),
    #[error("{0} says the account has no credit or quota left: top it up with the provider")]
    NoCredit(&'static str),
    #[error("{0} does not know this model: check the model name in Settings")]
    ModelUnknown(&'static str),
    #[error(
        "the text is too long for this model's context window at {0}: shorten it or pick a model with a larger window"
    )]
    ContextTooLong(&'static str),
    #[error("{provider} is limiting requests (429){}", wait(*retry_after_ms))]
    RateLimited { provider: &'static str, retry_after_ms: Option<u64> },
    #[error("{provider} is overloaded{}", wait(*retry_after_ms))]
    Overloaded { provider: &'static str, retry_after_ms: Option<u64> },
    #[error("{provider} is down or failing (HTTP {status})")]
    ProviderDown { provider: &'static str, status: u16 },
    #[error("{provider} refused the request (HTTP {status}, {code})")]
    Refused { provider: &'static str, status: u16, code: String },
    #[error("{0} stopped the answer before its end")]
    CutShort(&'static str),
    #[error("{0} sent a reply that is not in its documented format")]
    Malformed(&'static str),
    #[error("{0} sent an answer larger than this device keeps")]
    TooLarge(&'static str),
    #[error("the call was cancelled")]
    Cancelled,
    #[error("the server could not be reached ({0})")]
    Network(String),
    #[error("{0} is not a cloud model")]
    NotCloud(String),
}

fn wait(retry_after_ms: Option<u64>) -> String {
    match retry_after_ms {
        Some(ms) => format!("; it asked to wait {:.1} s", ms as f64 / 1000.0),
        None => String::new(),
    }
}

impl LlmError {
    /// Another attempt may succeed: rate limits, overload, server faults, cut streams, networks.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            LlmError::RateLimited { .. }
                | LlmError::Overloaded { .. }
                | LlmError::ProviderDown { .. }
                | LlmError::CutShort(_)
                | LlmError::Malformed(_)
                | LlmError::Network(_)
        )
    }

    /// How long the provider asked us to wait, when it said.
    pub fn retry_after_ms(&self) -> Option<u64> {
        match self {
            LlmError::RateLimited { retry_after_ms, .. } | LlmError::Overloaded { retry_after_ms, .. } => {
                *retry_after_ms
            }
            _ => None,
        }
    }
}

/// Reads an error reply: HTTP `status`, its `retry-after` header (seconds or an HTTP date) and
/// its body, at `now_ms` (for the date form).
pub fn classify(
    api: Api,
    provider: Provider,
    status: u16,
    retry_after: Option<&str>,
    body: &str,
    now_ms: u64,
) -> LlmError {
    let name = provider.label();
    let code = error_code(api, body);
    in_stream_or_http(name, Some(status), code.as_deref(), retry_after.and_then(|v| parse_retry_after(v, now_ms)))
}

/// An error the provider sent inside a stream that had started (Anthropic's `error` event,
/// OpenAI's `{"error":…}` chunk), read like an HTTP error body.
pub(super) fn in_stream(api: Api, provider: Provider, data: &str) -> LlmError {
    let code = error_code(api, data);
    in_stream_or_http(provider.label(), None, code.as_deref(), None)
}

fn in_stream_or_http(
    name: &'static str,
    status: Option<u16>,
    code: Option<&str>,
    retry_after_ms: Option<u64>,
) -> LlmError {
    let code_lower = code.map(str::to_ascii_lowercase).unwrap_or_default();
    let has = |words: &[&str]| words.iter().any(|w| code_lower.contains(w));
    if has(&["invalid_api_key", "authentication", "unauthenticated", "api_key_invalid", "permission"])
        || status == Some(401)
    {
        return LlmError::BadKey(name);
    }
    if has(&["insufficient_quota", "billing", "credit"]) || status == Some(402) {
        return LlmError::NoCredit(name);
    }
    if has(&["context_length", "prompt is too long", "too_long", "max_tokens_exceeded"]) {
        return LlmError::ContextTooLong(name);
    }
    if has(&["model_not_found", "not_found"]) || status == Some(404) {
        return LlmError::ModelUnknown(name);
    }
    if has(&["overloaded"]) || status == Some(529) || status == Some(503) {
        return LlmError::Overloaded { provider: name, retry_after_ms };
    }
    if has(&["rate_limit", "resource_exhausted"]) || status == Some(429) {
        return LlmError::RateLimited { provider: name, retry_after_ms };
    }
    if status == Some(403) {
        return LlmError::BadKey(name);
    }
    match status {
        Some(status) if status >= 500 => LlmError::ProviderDown { provider: name, status },
        Some(status) => LlmError::Refused { provider: name, status, code: bounded_code(code) },
        None if has(&["server_error", "api_error", "internal"]) => {
            LlmError::ProviderDown { provider: name, status: 500 }
        }
        None => LlmError::Refused { provider: name, status: 200, code: bounded_code(code) },
    }
}

/// A code is a short identifier in one letter case with few digits ("invalid_value",
/// "FAILED_PRECONDITION"); anything else (a key pasted where a code belongs) is never shown.
fn bounded_code(code: Option<&str>) -> String {
    let looks_like_a_code = |code: &str| {
        let digits = code.chars().filter(char::is_ascii_digit).count();
        let one_case = !code.chars().any(|c| c.is_ascii_lowercase()) || !code.chars().any(|c| c.is_ascii_uppercase());
        code.len() <= 40
            && digits <= 3
            && one_case
            && code.chars().all(|c| c.is_ascii_alphanumeric() || "_.".contains(c))
    };
    match code {
        Some(code) if looks_like_a_code(code) => code.to_string(),
        _ => "no error code".to_string(),
    }
}

/// The documented error identifier of a provider's error body, if there is one. For Anthropic's
/// "prompt is too long" only a fixed phrase is looked for, never passed on.
fn error_code(api: Api, body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let error = value.get("error")?;
    let field = |name: &str| error.get(name).and_then(Value::as_str).map(str::to_string);
    match api {
        Api::OpenAiChat => field("code").or_else(|| field("type")),
        Api::AnthropicMessages => {
            let message = field("message").unwrap_or_default();
            // Both come as a plain `invalid_request_error`; only the fixed phrase tells them apart.
            if message.contains("prompt is too long") {
                Some("prompt is too long".into())
            } else if message.contains("credit balance is too low") {
                Some("credit".into())
            } else {
                field("type")
            }
        }
        Api::Gemini => {
            let reason = error
                .get("details")
                .and_then(Value::as_array)
                .and_then(|d| d.iter().find_map(|d| d.get("reason").and_then(Value::as_str)))
                .map(str::to_string);
            // An over-long prompt is a plain INVALID_ARGUMENT: "The input token count (N) exceeds
            // the maximum number of tokens allowed (M)."
            let too_long = field("message").is_some_and(|m| m.contains("exceeds the maximum number of tokens"));
            reason.or_else(|| too_long.then(|| "context_length".into())).or_else(|| field("status"))
        }
    }
}

/// `retry-after` as milliseconds: delta seconds ("2", "1.5") or an HTTP date (RFC 7231 IMF-fixdate).
pub fn parse_retry_after(value: &str, now_ms: u64) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Some(((seconds * 1000.0) as u64).min(MAX_RETRY_AFTER_MS));
        }
        return None;
    }
    let at = http_date_ms(value)?;
    Some(at.saturating_sub(now_ms).min(MAX_RETRY_AFTER_MS))
}

/// "Sun, 06 Nov 1994 08:49:37 GMT" as milliseconds since the Unix epoch.
fn http_date_ms(value: &str) -> Option<u64> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else { return None };
    if !(1..=31).contains(&day) || !(1970..=9999).contains(&year) || *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(((days * 86_400 + h * 3_600 + m * 60 + s) * 1000) as i128).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENAI: (Api, Provider) = (Api::OpenAiChat, Provider::OpenAi);
    const ANTHROPIC: (Api, Provider) = (Api::AnthropicMessages, Provider::Anthropic);
    const GEMINI: (Api, Provider) = (Api::Gemini, Provider::Google);

    fn read((api, provider): (Api, Provider), status: u16, retry: Option<&str>, body: &str) -> LlmError {
        classify(api, provider, status, retry, body, 0)
    }

    #[test]
    fn every_documented_failure_gets_its_sentence_and_retry_rule() {
        let key = r#"{"error":{"message":"Incorrect API key provided: sk-abc***wxyz.","type":"invalid_request_error","code":"invalid_api_key"}}"#;
        let bad_key = read(OPENAI, 401, None, key);
        assert_eq!(bad_key, LlmError::BadKey("OpenAI"));
        assert_eq!(bad_key.to_string(), "OpenAI refused the API key: check it in Settings");
        assert!(!bad_key.retryable());
        let quota = r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#;
        assert_eq!(read(OPENAI, 429, None, quota), LlmError::NoCredit("OpenAI"));
        let context = r#"{"error":{"message":"maximum context length","type":"invalid_request_error","code":"context_length_exceeded"}}"#;
        assert_eq!(read(OPENAI, 400, None, context), LlmError::ContextTooLong("OpenAI"));
        let model = r#"{"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#;
        assert_eq!(read(OPENAI, 404, None, model), LlmError::ModelUnknown("OpenAI"));
        let limited = read(
            OPENAI,
            429,
            Some("2"),
            r#"{"error":{"message":"Rate limit exceeded.","type":"rate_limit_error","code":"rate_limit_exceeded"}}"#,
        );
        assert_eq!(limited, LlmError::RateLimited { provider: "OpenAI", retry_after_ms: Some(2_000) });
        assert!(limited.retryable());
        assert_eq!(limited.to_string(), "OpenAI is limiting requests (429); it asked to wait 2.0 s");
        let overloaded = read(
            ANTHROPIC,
            529,
            None,
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert_eq!(overloaded, LlmError::Overloaded { provider: "Anthropic", retry_after_ms: None });
        let long = r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}"#;
        assert_eq!(read(ANTHROPIC, 400, None, long), LlmError::ContextTooLong("Anthropic"));
        let broke = r#"{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}"#;
        assert_eq!(read(ANTHROPIC, 400, None, broke), LlmError::NoCredit("Anthropic"));
        assert!(!read(ANTHROPIC, 400, None, broke).retryable());
        let auth = r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#;
        assert_eq!(read(ANTHROPIC, 401, None, auth), LlmError::BadKey("Anthropic"));
        let gemini_key = r#"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#;
        assert_eq!(read(GEMINI, 400, None, gemini_key), LlmError::BadKey("Google"));
        let exhausted =
            r#"{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED"}}"#;
        assert!(matches!(read(GEMINI, 429, None, exhausted), LlmError::RateLimited { .. }));
        let down = read(GEMINI, 500, None, "<html>oops</html>");
        assert_eq!(down, LlmError::ProviderDown { provider: "Google", status: 500 });
        assert!(down.retryable());
        let refused = read(OPENAI, 400, None, r#"{"error":{"code":"invalid_value"}}"#);
        assert!(!refused.retryable());
    }

    #[test]
    fn no_sentence_repeats_what_the_provider_wrote() {
        let secret = "sk-live-0123456789abcdef";
        let bodies = [
            format!(r#"{{"error":{{"message":"Incorrect API key provided: {secret}","code":"invalid_api_key"}}}}"#),
            format!(r#"{{"error":{{"message":"bad","code":"{secret} extra words"}}}}"#),
            format!(r#"{{"error":{{"message":"{secret}","type":"{secret}"}}}}"#),
            secret.to_string(),
        ];
        for body in &bodies {
            for (api, provider) in [OPENAI, ANTHROPIC, GEMINI] {
                for status in [400, 401, 403, 404, 418, 429, 500] {
                    let sentence = classify(api, provider, status, None, body, 0).to_string();
                    assert!(!sentence.contains("0123456789"), "{sentence}");
                }
            }
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after("2", 0), Some(2_000));
        assert_eq!(parse_retry_after(" 0.5 ", 0), Some(500));
        assert_eq!(parse_retry_after("-1", 0), None);
        assert_eq!(parse_retry_after("999999", 0), Some(MAX_RETRY_AFTER_MS));
        // 1994-11-06T08:49:37Z is 784111777 s after the epoch.
        let at = 784_111_777_000;
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at - 3_000), Some(3_000));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", at + 5_000), Some(0));
        assert_eq!(parse_retry_after("tomorrow", 0), None);
    }
}
