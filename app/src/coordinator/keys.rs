//! API keys between the settings and the vault: a key entered in Settings is sealed at once and
//! the settings note only that the provider has one; a cloud call opens it just before sending.

use amorph_core::llm::ApiKey;
use amorph_core::router::Provider;
use leptos::prelude::*;

use super::Coordinator;
use crate::vault::Vault;

impl Coordinator {
    /// Seals `key` for `provider`, bound to where the provider's models point now (or deletes it
    /// with `None`), and records whether one is stored. Returns the origins the key may go to.
    pub async fn store_key(&self, provider: Provider, key: Option<&str>) -> Result<Option<Vec<String>>, String> {
        let vault = Vault::open().await.map_err(|e| e.to_string())?;
        let bound = key.map(|key| self.settings.with_untracked(|s| ApiKey::bound(key.to_string(), provider, &s.registry)));
        vault.set_api_key(provider, bound.as_ref()).await.map_err(|e| e.to_string())?;
        let mut settings = self.settings.get_untracked();
        settings.keys.retain(|p| *p != provider);
        if key.is_some() {
            settings.keys.push(provider);
            settings.keys.sort();
        }
        settings.save()?;
        self.settings.set(settings);
        Ok(bound.map(|b| b.origins))
    }

    /// Makes the settings' list of providers with a key match the vault (a vault cleared by the
    /// browser, or a key stored by another tab of this profile).
    pub fn sync_keys(&self) {
        let this = *self;
        leptos::task::spawn_local(async move {
            let stored = match Vault::open().await {
                Ok(vault) => vault.key_providers().await,
                Err(e) => Err(e),
            };
            let mut settings = this.settings.get_untracked();
            match stored {
                Ok(providers) if providers != settings.keys => {
                    settings.keys = providers;
                    if settings.save().is_ok() {
                        this.settings.set(settings);
                    }
                }
                Ok(_) => {}
                Err(e) => this.settings_note.set(Some(format!("API keys could not be read: {e}"))),
            }
        });
    }

    /// The key for `provider`, opened from the vault; `None` when none is stored.
    pub async fn open_key(&self, provider: Provider) -> Result<Option<ApiKey>, String> {
        let vault = Vault::open().await.map_err(|e| e.to_string())?;
        vault.api_key(provider).await.map_err(|e| e.to_string())
    }
}
