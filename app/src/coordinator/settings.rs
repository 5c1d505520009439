//! The owner's settings for planning and for work from the swarm: the owner policy, the LLM
//! registry, which providers the user holds API keys for, a request's budget, and what may leave
//! the device (names to hide, which providers were confirmed once). Kept in this browser's
//! `localStorage` (they never leave the device; no key material is stored here, only which
//! providers have one: the keys themselves are sealed in the vault).

use amorph_core::router::{OwnerPolicy, Provider, Registry};
use serde::{Deserialize, Serialize};

const STORAGE_KEY: &str = "amorph.settings.v1";
/// Largest stored settings document read back; anything larger is ignored as damaged.
const MAX_STORED_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub policy: OwnerPolicy,
    pub registry: Registry,
    pub keys: Vec<Provider>,
    /// Per request: micro-dollars for cloud models, credits for peers and people.
    pub budget_micros: u64,
    pub budget_credits: u64,
    /// Names (people, companies) that placeholders replace before a step's text leaves.
    #[serde(default)]
    pub private_names: Vec<String>,
    /// Ask before the first send to each provider.
    #[serde(default = "yes")]
    pub confirm_first_send: bool,
    /// Providers the user has confirmed a first send to.
    #[serde(default)]
    pub confirmed: Vec<Provider>,
}

fn yes() -> bool {
    true
}

/// Bounds on the private names list.
pub const MAX_PRIVATE_NAMES: usize = 64;
pub const MAX_NAME_CHARS: usize = 64;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            policy: OwnerPolicy::default(),
            registry: Registry::default(),
            keys: Vec::new(),
            budget_micros: 100_000,
            budget_credits: 50,
            private_names: Vec::new(),
            confirm_first_send: true,
            confirmed: Vec::new(),
        }
    }
}

impl Settings {
    /// The stored settings, or the defaults with a note when what is stored is unreadable.
    pub fn load() -> (Settings, Option<String>) {
        let Some(text) = local_storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()) else {
            return (Settings::default(), None);
        };
        if text.len() > MAX_STORED_BYTES {
            return (
                Settings::default(),
                Some("the stored settings are too large to be real; defaults are used".into()),
            );
        }
        match serde_json::from_str::<Settings>(&text).map_err(|e| e.to_string()).and_then(|s| s.check().map(|_| s)) {
            Ok(settings) => (settings, None),
            Err(why) => {
                (Settings::default(), Some(format!("the stored settings are unreadable ({why}); defaults are used")))
            }
        }
    }

    pub fn check(&self) -> Result<(), String> {
        self.policy.check().map_err(|e| e.to_string())?;
        if self.private_names.len() > MAX_PRIVATE_NAMES {
            return Err(format!("at most {MAX_PRIVATE_NAMES} private names; {} given", self.private_names.len()));
        }
        if let Some(long) = self.private_names.iter().find(|n| n.chars().count() > MAX_NAME_CHARS) {
            return Err(format!("a private name is at most {MAX_NAME_CHARS} characters: {:?}…", long.chars().take(16).collect::<String>()));
        }
        self.registry.check().map_err(|e| e.to_string())
    }

    /// Checks and stores; the error is for the user.
    pub fn save(&self) -> Result<(), String> {
        self.check()?;
        let text = serde_json::to_string(self).map_err(|e| e.to_string())?;
        local_storage()
            .ok_or("this browser keeps no local storage for the page")?
            .set_item(STORAGE_KEY, &text)
            .map_err(|_| "the browser refused to store the settings (storage full or blocked)".to_string())
    }
}

pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
