//! The LLM registry: which language models a subtask may be sent to, where each is called, what
//! it is good at and what it costs. Seeded with the white paper's profiles; the user edits it
//! (prices change, new models appear, their own OpenAI-compatible server) and the app stores the
//! edited copy locally.

use serde::{Deserialize, Serialize};

use super::kinds::TaskKind;

/// Who runs a model. A cloud provider needs the user's own API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// This device's coordinator model: free, private, small.
    ThisDevice,
    Anthropic,
    OpenAi,
    Google,
    Xai,
    /// The user's own server speaking OpenAI's chat format (llama.cpp's server, Ollama, vLLM); a
    /// key is optional.
    Compatible,
}

/// The wire format a provider is called with (`crate::llm` speaks each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    /// OpenAI Chat Completions: OpenAI, xAI and every OpenAI-compatible server.
    OpenAiChat,
    AnthropicMessages,
    /// Gemini `streamGenerateContent`.
    Gemini,
}

impl Provider {
    pub fn label(self) -> &'static str {
        match self {
            Provider::ThisDevice => "this device",
            Provider::Anthropic => "Anthropic",
            Provider::OpenAi => "OpenAI",
            Provider::Google => "Google",
            Provider::Xai => "xAI",
            Provider::Compatible => "your server",
        }
    }

    /// Lower-case name, stable across versions: "openai", "anthropic", "google", "xai",
    /// "compatible", "this_device" (delegation records, element ids).
    pub fn name(self) -> &'static str {
        match self {
            Provider::ThisDevice => "this_device",
            Provider::Anthropic => "anthropic",
            Provider::OpenAi => "openai",
            Provider::Google => "google",
            Provider::Xai => "xai",
            Provider::Compatible => "compatible",
        }
    }

    /// How this provider is called; `None` for this device's model.
    pub fn api(self) -> Option<Api> {
        match self {
            Provider::ThisDevice => None,
            Provider::OpenAi | Provider::Xai | Provider::Compatible => Some(Api::OpenAiChat),
            Provider::Anthropic => Some(Api::AnthropicMessages),
            Provider::Google => Some(Api::Gemini),
        }
    }

    /// Where the provider's public API lives; a compatible server has no default.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Provider::ThisDevice | Provider::Compatible => "",
            Provider::OpenAi => "https://api.openai.com/v1",
            Provider::Anthropic => "https://api.anthropic.com/v1",
            Provider::Google => "https://generativelanguage.googleapis.com/v1beta",
            Provider::Xai => "https://api.x.ai/v1",
        }
    }

    /// Whether a call needs the user's key (a compatible server may run without one).
    pub fn needs_key(self) -> bool {
        !matches!(self, Provider::ThisDevice | Provider::Compatible)
    }
}

/// One model's profile. Prices are in micro-dollars per 1,000 tokens (1,000,000 = $1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelProfile {
    pub id: String,
    pub provider: Provider,
    pub strengths: Vec<TaskKind>,
    pub input_micros_per_1k: u64,
    pub output_micros_per_1k: u64,
    /// Context window in tokens.
    pub context_tokens: u32,
    /// Typical time to a complete answer, in milliseconds.
    pub latency_ms: u32,
    /// Where the model is called ("https://api.openai.com/v1"); empty means the provider's
    /// default, so registries stored before endpoints existed still load.
    #[serde(default)]
    pub base_url: String,
    /// The provider's name for the model ("gpt-4o"); empty means the same as `id`.
    #[serde(default)]
    pub api_model: String,
}

/// Bounds on a user-edited registry.
pub const MAX_MODELS: usize = 32;
pub const MAX_ID_CHARS: usize = 48;
pub const MAX_URL_CHARS: usize = 256;
pub const MAX_API_MODEL_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    pub models: Vec<ModelProfile>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("the registry holds {0} models; at most {MAX_MODELS} are allowed")]
    TooMany(usize),
    #[error("a model id must be 1 to {MAX_ID_CHARS} characters of letters, digits, '.', '-' or '_': {0:?}")]
    BadId(String),
    #[error("model {0} is listed twice")]
    Duplicate(String),
    #[error("model {0} has a context window of zero tokens")]
    NoContext(String),
    #[error("exactly one model must run on this device; found {0}")]
    LocalModels(usize),
    #[error("model {model}: its address {why}")]
    BadUrl { model: String, why: &'static str },
    #[error("model {0}: the provider's model name must be 1 to {MAX_API_MODEL_CHARS} characters without spaces")]
    BadApiModel(String),
}

impl Default for Registry {
    fn default() -> Self {
        use TaskKind::*;
        let model =
            |id: &str, provider, strengths: &[TaskKind], input, output, context_tokens, latency_ms| ModelProfile {
                id: id.into(),
                provider,
                strengths: strengths.to_vec(),
                input_micros_per_1k: input,
                output_micros_per_1k: output,
                context_tokens,
                latency_ms,
                base_url: String::new(),
                api_model: String::new(),
            };
        let mut registry = Registry {
            models: vec![
                model("local-minilm", Provider::ThisDevice, &[Extract], 0, 0, 256, 40),
                model(
                    "claude-opus",
                    Provider::Anthropic,
                    &[Code, Math, Writing, Summarize],
                    15_000,
                    75_000,
                    200_000,
                    4_000,
                ),
                model(
                    "gpt-4o",
                    Provider::OpenAi,
                    &[Code, Vision, Translate, Extract, Writing, ImageGeneration],
                    2_500,
                    10_000,
                    128_000,
                    1_500,
                ),
                model("grok-2", Provider::Xai, &[Social, Research, Writing], 2_000, 10_000, 131_072, 2_000),
                model(
                    "gemini-pro",
                    Provider::Google,
                    &[Summarize, Translate, Vision, Research],
                    1_250,
                    5_000,
                    2_000_000,
                    2_000,
                ),
            ],
        };
        // Registry ids are short; the providers' own names are versioned.
        for (id, name) in [("claude-opus", "claude-opus-4-1"), ("gemini-pro", "gemini-2.5-pro")] {
            if let Some(m) = registry.models.iter_mut().find(|m| m.id == id) {
                m.api_model = name.into();
            }
        }
        registry
    }
}

impl Registry {
    /// Checks a registry as edited by a user before it is stored or used.
    pub fn check(&self) -> Result<(), RegistryError> {
        if self.models.len() > MAX_MODELS {
            return Err(RegistryError::TooMany(self.models.len()));
        }
        let local = self.models.iter().filter(|m| m.provider == Provider::ThisDevice).count();
        if local != 1 {
            return Err(RegistryError::LocalModels(local));
        }
        for (i, model) in self.models.iter().enumerate() {
            let valid = |c: char| c.is_ascii_alphanumeric() || ".-_".contains(c);
            if model.id.is_empty() || model.id.chars().count() > MAX_ID_CHARS || !model.id.chars().all(valid) {
                return Err(RegistryError::BadId(model.id.clone()));
            }
            if self.models[..i].iter().any(|m| m.id == model.id) {
                return Err(RegistryError::Duplicate(model.id.clone()));
            }
            if model.context_tokens == 0 {
                return Err(RegistryError::NoContext(model.id.clone()));
            }
            if model.provider != Provider::ThisDevice {
                check_url(model.base_url()).map_err(|why| RegistryError::BadUrl { model: model.id.clone(), why })?;
                let name = model.api_model();
                if name.is_empty()
                    || name.chars().count() > MAX_API_MODEL_CHARS
                    || name.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(RegistryError::BadApiModel(model.id.clone()));
                }
            }
        }
        Ok(())
    }

    pub fn local(&self) -> Option<&ModelProfile> {
        self.models.iter().find(|m| m.provider == Provider::ThisDevice)
    }
}

/// An address a browser may call: http(s), a host, no credentials, no query or fragment.
fn check_url(url: &str) -> Result<(), &'static str> {
    if url.is_empty() {
        return Err("is missing: a server of your own needs its base URL (e.g. http://127.0.0.1:8080/v1)");
    }
    if url.chars().count() > MAX_URL_CHARS {
        return Err("is longer than 256 characters");
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err("has no host");
    }
    if host.contains('@') {
        return Err("must not hold a user name or password (keys go in the API key field)");
    }
    if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not hold a query, a fragment or spaces");
    }
    if url.starts_with("http://") && !is_local(host) {
        return Err("must start with https:// unless the server is on this machine or the local network (a key would cross the internet in the clear)");
    }
    Ok(())
}

/// This machine or a private network: loopback, RFC 1918 addresses, `.local` names.
fn is_local(host_and_port: &str) -> bool {
    let host = match host_and_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_and_port.rsplit_once(':').map_or(host_and_port, |(host, _)| host),
    };
    let octets: Vec<u8> = host.split('.').filter_map(|o| o.parse().ok()).collect();
    let ipv4 = octets.len() == 4 && host.split('.').count() == 4;
    host == "localhost"
        || host == "::1"
        || host.ends_with(".local")
        || host.ends_with(".localhost")
        || (ipv4
            && match octets[..] {
                [127, ..] | [10, ..] | [192, 168, ..] => true,
                [172, second, ..] => (16..=31).contains(&second),
                _ => false,
            })
}

impl ModelProfile {
    /// The base URL calls go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        let url = if self.base_url.is_empty() { self.provider.default_base_url() } else { &self.base_url };
        url.trim_end_matches('/')
    }

    /// Scheme, host and port of the base URL ("https://api.openai.com"): where a key stored for
    /// this model may be sent.
    pub fn origin(&self) -> &str {
        origin_of(self.base_url())
    }

    /// The provider's name for the model.
    pub fn api_model(&self) -> &str {
        if self.api_model.is_empty() {
            &self.id
        } else {
            &self.api_model
        }
    }

    /// Estimated price of one call, in micro-dollars.
    pub fn cost_micros(&self, input_tokens: u32, output_tokens: u32) -> u64 {
        let per_1k = |tokens: u32, price: u64| (u64::from(tokens) * price).div_ceil(1000);
        per_1k(input_tokens, self.input_micros_per_1k) + per_1k(output_tokens, self.output_micros_per_1k)
    }
}

/// Scheme, host and port of `url`: "https://api.openai.com" of "https://api.openai.com/v1".
pub fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..].find('/').map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// "$0.0123" for micro-dollars.
pub fn dollars(micros: u64) -> String {
    format!("${}.{:04}", micros / 1_000_000, (micros % 1_000_000) / 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_valid_and_edits_are_checked() {
        let mut registry = Registry::default();
        assert_eq!(registry.check(), Ok(()));
        assert_eq!(registry.models.len(), 5);
        registry.models.push(registry.models[1].clone());
        assert_eq!(registry.check(), Err(RegistryError::Duplicate("claude-opus".into())));
        registry.models.pop();
        registry.models[2].id = "gpt 4o; drop".into();
        assert!(matches!(registry.check(), Err(RegistryError::BadId(_))));
        registry.models[2].id = "gpt-4o".into();
        registry.models.remove(0);
        assert_eq!(registry.check(), Err(RegistryError::LocalModels(0)));
    }

    #[test]
    fn endpoints_default_to_the_provider_and_are_checked() {
        let mut registry = Registry::default();
        assert_eq!(registry.models[2].base_url(), "https://api.openai.com/v1");
        assert_eq!(registry.models[2].api_model(), "gpt-4o");
        registry.models[2].base_url = "http://127.0.0.1:8080/v1/".into();
        assert_eq!(registry.models[2].base_url(), "http://127.0.0.1:8080/v1");
        assert_eq!(registry.models[2].origin(), "http://127.0.0.1:8080");
        assert_eq!(registry.check(), Ok(()));
        for good in ["http://localhost:11434/v1", "http://192.168.1.20:8000/v1", "http://[::1]:8080/v1", "https://host/v1"] {
            registry.models[2].base_url = good.into();
            assert_eq!(registry.check(), Ok(()), "{good} was refused");
        }
        assert_eq!(registry.models[2].origin(), "https://host");
        assert_eq!(registry.models[2].provider.name(), "openai");
        for bad in [
            "ftp://host/v1",
            "https://user:pw@host/v1",
            "https://host/v1?key=1",
            "http:///v1",
            "http://api.example.com/v1",
            "http://8.8.8.8/v1",
            "http://172.32.0.1/v1",
        ] {
            registry.models[2].base_url = bad.into();
            assert!(matches!(registry.check(), Err(RegistryError::BadUrl { .. })), "{bad} was accepted");
        }
        registry.models[2].base_url = String::new();
        registry.models[2].api_model = "gpt 4o".into();
        assert_eq!(registry.check(), Err(RegistryError::BadApiModel("gpt-4o".into())));
        // A server of one's own has no default address.
        registry.models[2].api_model = String::new();
        registry.models[2].provider = Provider::Compatible;
        assert!(matches!(registry.check(), Err(RegistryError::BadUrl { .. })));
    }

    #[test]
    fn registries_stored_before_endpoints_still_load() {
        let old = r#"{"models":[{"id":"local-minilm","provider":"this_device","strengths":["extract"],"input_micros_per_1k":0,"output_micros_per_1k":0,"context_tokens":256,"latency_ms":40},{"id":"gpt-4o","provider":"open_ai","strengths":[],"input_micros_per_1k":2500,"output_micros_per_1k":10000,"context_tokens":128000,"latency_ms":1500}]}"#;
        let registry: Registry = serde_json::from_str(old).unwrap();
        assert_eq!(registry.check(), Ok(()));
        assert_eq!(registry.models[1].base_url(), "https://api.openai.com/v1");
    }

    #[test]
    fn costs_round_up_to_the_micro_dollar() {
        let opus = &Registry::default().models[1];
        // 2,000 tokens in at $15/M and 500 out at $75/M: $0.03 + $0.0375.
        assert_eq!(opus.cost_micros(2_000, 500), 67_500);
        assert_eq!(dollars(67_500), "$0.0675");
        assert_eq!(opus.cost_micros(1, 0), 15);
    }
}
