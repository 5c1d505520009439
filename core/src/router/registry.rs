//! The LLM registry: which language models a subtask may be sent to, what each is good at and
//! what it costs. Seeded with the white paper's profiles; the user edits it (prices change,
//! new models appear) and the app stores the edited copy locally.

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
}

impl Provider {
    pub fn label(self) -> &'static str {
        match self {
            Provider::ThisDevice => "this device",
            Provider::Anthropic => "Anthropic",
            Provider::OpenAi => "OpenAI",
            Provider::Google => "Google",
            Provider::Xai => "xAI",
        }
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
}

/// Bounds on a user-edited registry.
pub const MAX_MODELS: usize = 32;
pub const MAX_ID_CHARS: usize = 48;

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
            };
        Registry {
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
                    &[Code, Vision, Translate, Extract, Writing],
                    2_500,
                    10_000,
                    128_000,
                    1_500,
                ),
                model("grok-2", Provider::Xai, &[Research, Writing], 2_000, 10_000, 131_072, 2_000),
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
        }
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
        }
        Ok(())
    }

    pub fn local(&self) -> Option<&ModelProfile> {
        self.models.iter().find(|m| m.provider == Provider::ThisDevice)
    }
}

impl ModelProfile {
    /// Estimated price of one call, in micro-dollars.
    pub fn cost_micros(&self, input_tokens: u32, output_tokens: u32) -> u64 {
        let per_1k = |tokens: u32, price: u64| (u64::from(tokens) * price).div_ceil(1000);
        per_1k(input_tokens, self.input_micros_per_1k) + per_1k(output_tokens, self.output_micros_per_1k)
    }
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
    fn costs_round_up_to_the_micro_dollar() {
        let opus = &Registry::default().models[1];
        // 2,000 tokens in at $15/M and 500 out at $75/M: $0.03 + $0.0375.
        assert_eq!(opus.cost_micros(2_000, 500), 67_500);
        assert_eq!(dollars(67_500), "$0.0675");
        assert_eq!(opus.cost_micros(1, 0), 15);
    }
}
