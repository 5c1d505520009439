//! Cloud language models on the wire, sans-IO: each provider's streaming request built from a
//! registry profile, the user's key and a prompt; its streamed answer decoded chunk by chunk; its
//! errors read into one sentence and a retry decision. The app sends the bytes with `fetch`.
//!
//! Speaks OpenAI Chat Completions (also xAI and any OpenAI-compatible server by base URL),
//! Anthropic Messages and Gemini `streamGenerateContent`. The key goes only into the request's
//! headers, never into its URL, body or any error.

mod error;
mod key;
#[cfg(test)]
mod recorded;
mod sse;
mod stream;

pub use error::{classify, parse_retry_after, LlmError};
pub use key::ApiKey;
pub use sse::{SseDecoder, SseError, SseEvent, MAX_EVENT_BYTES, MAX_LINE_BYTES};
pub use stream::{StreamDecoder, StreamEvent};

use serde_json::json;

use crate::router::{Api, ModelProfile};

/// What a step asks of a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub system: Option<String>,
    pub user: String,
    pub max_tokens: u32,
}

/// A request ready for `fetch`: always a POST of a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The streaming request for `prompt` to `profile`'s model, with `key` if there is one.
pub fn streaming_request(profile: &ModelProfile, key: Option<&str>, prompt: &Prompt) -> Result<HttpRequest, LlmError> {
    let api = profile.provider.api().ok_or_else(|| LlmError::NotCloud(profile.id.clone()))?;
    let base = profile.base_url();
    let model = profile.api_model();
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    let (url, body) = match api {
        Api::OpenAiChat => {
            if let Some(key) = key {
                headers.push(("authorization".into(), format!("Bearer {key}")));
            }
            let mut messages = Vec::new();
            if let Some(system) = &prompt.system {
                messages.push(json!({ "role": "system", "content": system }));
            }
            messages.push(json!({ "role": "user", "content": prompt.user }));
            let body = json!({
                "model": model,
                "messages": messages,
                "max_tokens": prompt.max_tokens,
                "stream": true,
                "stream_options": { "include_usage": true },
            });
            (format!("{base}/chat/completions"), body)
        }
        Api::AnthropicMessages => {
            if let Some(key) = key {
                headers.push(("x-api-key".into(), key.to_string()));
            }
            headers.push(("anthropic-version".into(), "2023-06-01".into()));
            headers.push(("anthropic-dangerous-direct-browser-access".into(), "true".into()));
            let mut body = json!({
                "model": model,
                "max_tokens": prompt.max_tokens,
                "messages": [{ "role": "user", "content": prompt.user }],
                "stream": true,
            });
            if let Some(system) = &prompt.system {
                body["system"] = json!(system);
            }
            (format!("{base}/messages"), body)
        }
        Api::Gemini => {
            if let Some(key) = key {
                headers.push(("x-goog-api-key".into(), key.to_string()));
            }
            let mut body = json!({
                "contents": [{ "role": "user", "parts": [{ "text": prompt.user }] }],
                "generationConfig": { "maxOutputTokens": prompt.max_tokens },
            });
            if let Some(system) = &prompt.system {
                body["systemInstruction"] = json!({ "parts": [{ "text": system }] });
            }
            (format!("{base}/models/{model}:streamGenerateContent?alt=sse"), body)
        }
    };
    Ok(HttpRequest { url, headers, body: body.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::{Provider, Registry};

    fn profile(provider: Provider) -> ModelProfile {
        let registry = Registry::default();
        registry.models.iter().find(|m| m.provider == provider).cloned().unwrap()
    }

    fn prompt() -> Prompt {
        Prompt { system: Some("Be brief.".into()), user: "Translate: Guten Tag".into(), max_tokens: 64 }
    }

    #[test]
    fn each_provider_gets_its_own_request_and_the_key_stays_in_the_headers() {
        let key = "sk-test-secret";
        let openai = streaming_request(&profile(Provider::OpenAi), Some(key), &prompt()).unwrap();
        assert_eq!(openai.url, "https://api.openai.com/v1/chat/completions");
        assert!(openai.headers.contains(&("authorization".into(), format!("Bearer {key}"))));
        let body: serde_json::Value = serde_json::from_str(&openai.body).unwrap();
        assert_eq!(body["stream_options"]["include_usage"], true);
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["model"], "gpt-4o");

        let anthropic = streaming_request(&profile(Provider::Anthropic), Some(key), &prompt()).unwrap();
        assert_eq!(anthropic.url, "https://api.anthropic.com/v1/messages");
        assert!(anthropic.headers.contains(&("anthropic-dangerous-direct-browser-access".into(), "true".into())));
        assert!(anthropic.headers.contains(&("x-api-key".into(), key.into())));
        let body: serde_json::Value = serde_json::from_str(&anthropic.body).unwrap();
        assert_eq!((body["model"].as_str(), body["system"].as_str()), (Some("claude-opus-4-1"), Some("Be brief.")));

        let gemini = streaming_request(&profile(Provider::Google), Some(key), &prompt()).unwrap();
        assert_eq!(
            gemini.url,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
        );
        assert!(gemini.headers.contains(&("x-goog-api-key".into(), key.into())));
        let body: serde_json::Value = serde_json::from_str(&gemini.body).unwrap();
        assert_eq!(body["generationConfig"]["maxOutputTokens"], 64);

        for request in [&openai, &anthropic, &gemini] {
            assert!(!request.url.contains(key) && !request.body.contains(key));
        }
        assert!(matches!(
            streaming_request(&profile(Provider::ThisDevice), None, &prompt()),
            Err(LlmError::NotCloud(_))
        ));
    }

    #[test]
    fn a_server_of_ones_own_needs_no_key() {
        let mut own = profile(Provider::OpenAi);
        own.provider = Provider::Compatible;
        own.base_url = "http://127.0.0.1:8080/v1".into();
        own.api_model = "smollm2".into();
        let request = streaming_request(&own, None, &prompt()).unwrap();
        assert_eq!(request.url, "http://127.0.0.1:8080/v1/chat/completions");
        assert!(request.headers.iter().all(|(name, _)| name != "authorization"));
    }
}
