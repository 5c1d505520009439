//! An API key as the vault seals it: the key and the origins it may be sent to. A key is bound,
//! when it is stored, to the addresses of its provider's models at that moment, so pointing a model
//! at another server later cannot send the key there unless the user stores it again.

use crate::router::{origin_of, ModelProfile, Provider, Registry};
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub key: String,
    /// "https://api.openai.com", "http://127.0.0.1:8080".
    pub origins: Vec<String>,
}

/// Never prints the key.
impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey").field("key", &"[redacted]").field("origins", &self.origins).finish()
    }
}

impl ApiKey {
    /// `key` for `provider`, bound to the origins of that provider's models in `registry` (its
    /// public address when it has none there).
    pub fn bound(key: String, provider: Provider, registry: &Registry) -> ApiKey {
        let mut origins: Vec<String> =
            registry.models.iter().filter(|m| m.provider == provider).map(|m| m.origin().to_string()).collect();
        if origins.is_empty() {
            origins.push(origin_of(provider.default_base_url()).to_string());
        }
        origins.sort();
        origins.dedup();
        ApiKey { key, origins }
    }

    /// Whether a call to `model` may carry this key; when not, the sentence that says why.
    pub fn check(&self, model: &ModelProfile) -> Result<(), String> {
        if self.origins.iter().any(|o| o == model.origin()) {
            return Ok(());
        }
        Err(format!(
            "the {} key was stored for {}, and {} now points at {}: store the key again in Settings to send it there",
            model.provider.label(),
            self.origins.join(", "),
            model.id,
            model.origin()
        ))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// A sealed record's bytes; a bare key (stored before keys had origins) goes to its provider only.
    pub fn from_bytes(bytes: &[u8], provider: Provider) -> Option<ApiKey> {
        if let Ok(key) = serde_json::from_slice::<ApiKey>(bytes) {
            return Some(key);
        }
        let key = String::from_utf8(bytes.to_vec()).ok()?;
        Some(ApiKey { key, origins: vec![origin_of(provider.default_base_url()).to_string()] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_goes_only_where_its_models_pointed_when_it_was_stored() {
        let mut registry = Registry::default();
        let key = ApiKey::bound("sk-1".into(), Provider::OpenAi, &registry);
        assert_eq!(key.origins, vec!["https://api.openai.com".to_string()]);
        let gpt = registry.models.iter_mut().find(|m| m.id == "gpt-4o").unwrap();
        assert_eq!(key.check(gpt), Ok(()));
        gpt.base_url = "http://127.0.0.1:9999/v1".into();
        let refused = key.check(gpt).unwrap_err();
        assert!(refused.contains("stored for https://api.openai.com"), "{refused}");
        assert!(!refused.contains("sk-1"), "{refused}");
        assert!(!format!("{key:?}").contains("sk-1"));
        assert_eq!(ApiKey::from_bytes(&key.to_bytes(), Provider::OpenAi), Some(key));
        assert_eq!(ApiKey::from_bytes(b"sk-old", Provider::Google).unwrap().origins, vec![
            "https://generativelanguage.googleapis.com".to_string()
        ]);
    }
}
