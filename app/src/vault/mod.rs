//! The vault: secrets at rest in this browser (API keys, each tab slot's identity seed), sealed
//! with AES-GCM-256 under either a non-extractable `CryptoKey` kept in IndexedDB (the default) or
//! a key derived from the user's passphrase (PBKDF2-SHA-256, 600,000 iterations), which then must
//! be typed once per page before anything opens.
//!
//! Every record is `{ iv, ciphertext }` with its own name as additional data, so records cannot be
//! swapped. The key in use is looked up at each call, so a tab notices when another tab of the
//! browser sets or removes the passphrase. Never returns a secret inside an error, never logs one,
//! and never deletes a record it cannot read.

mod db;
pub mod identity_backup;
mod records;
pub mod slot_identity;
pub mod subtle;

use std::cell::RefCell;

use amorph_core::llm::ApiKey;
use amorph_core::router::Provider;
use futures::channel::oneshot;
use wasm_bindgen::JsCast;
use web_sys::CryptoKey;

use db::{DbError, VaultDb, Write};
use records::{PassphraseRecord, SealedRecord};
use subtle::CryptoError;

const DEVICE_KEY: &str = "device-key";
const PASSPHRASE: &str = "passphrase";
const SECRET_PREFIX: &str = "secret/";
const API_KEY_PREFIX: &str = "secret/api-key/";
/// Sealed under the passphrase key: opening it proves the passphrase right.
const PASSPHRASE_CHECK: &str = "passphrase-check";
/// Longest secret the vault stores (real API keys are under 256 bytes).
pub const MAX_SECRET_BYTES: usize = 4096;
pub const MIN_PASSPHRASE_CHARS: usize = 8;
pub const MAX_PASSPHRASE_CHARS: usize = 1024;

/// Why the vault could not do what was asked. No variant ever carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("the vault in this browser's storage cannot be used ({0})")]
    Storage(#[from] DbError),
    #[error("the vault is locked: enter your passphrase to unlock it")]
    Locked,
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error(
        "the stored {0} cannot be decrypted: it was changed, or sealed under a key this browser no longer has; it was left as it is"
    )]
    Unreadable(String),
    #[error("the stored {0} is not a vault record; it was left as it is")]
    Malformed(String),
    #[error("that secret is too long (at most {MAX_SECRET_BYTES} bytes)")]
    TooLong,
    #[error("a passphrase needs {MIN_PASSPHRASE_CHARS} to {MAX_PASSPHRASE_CHARS} characters")]
    BadPassphraseLength,
}

/// How secrets are protected in this browser right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Under the non-extractable device key: readable by this page in this browser profile only.
    DeviceKey,
    /// Under the passphrase key, which this page has (unlocked) or has not yet (locked).
    Passphrase { unlocked: bool },
}

struct Unlocked {
    salt: Vec<u8>,
    key: CryptoKey,
}

thread_local! {
    /// The passphrase key once typed, for the life of this page (never stored).
    static UNLOCKED: RefCell<Option<Unlocked>> = const { RefCell::new(None) };
    /// Who waits for `unlock` (the boot, to load the identity).
    static WAITING: RefCell<Vec<oneshot::Sender<()>>> = const { RefCell::new(Vec::new()) };
}

/// The browser-wide vault. Cheap to clone.
#[derive(Clone)]
pub struct Vault {
    db: VaultDb,
}

impl Vault {
    pub async fn open() -> Result<Vault, VaultError> {
        // Fails early, before anything is written, on a page without WebCrypto.
        subtle::available()?;
        Ok(Vault { db: VaultDb::open().await? })
    }

    pub async fn protection(&self) -> Result<Protection, VaultError> {
        Ok(match self.passphrase_record().await? {
            None => Protection::DeviceKey,
            Some(record) => Protection::Passphrase { unlocked: unlocked_key(&record.salt).is_some() },
        })
    }

    /// The stored API key of `provider`, decrypted, with the origins it may go to; `None` when
    /// none is stored.
    pub async fn api_key(&self, provider: Provider) -> Result<Option<ApiKey>, VaultError> {
        let name = api_key_name(provider);
        let label = format!("{} API key", provider.label());
        let Some(bytes) = self.open_secret(&name, &label).await? else {
            return Ok(None);
        };
        ApiKey::from_bytes(&bytes, provider).map(Some).ok_or(VaultError::Malformed(label))
    }

    /// Seals `key` as `provider`'s API key, or deletes the stored one when `key` is `None`.
    pub async fn set_api_key(&self, provider: Provider, key: Option<&ApiKey>) -> Result<(), VaultError> {
        let name = api_key_name(provider);
        match key {
            Some(key) => self.seal_secret(&name, &key.to_bytes()).await,
            None => Ok(self.db.write_all(vec![Write::Delete(name)]).await?),
        }
    }

    /// The providers that have a key stored (nothing is decrypted).
    pub async fn key_providers(&self) -> Result<Vec<Provider>, VaultError> {
        let names = self.db.keys_with_prefix(API_KEY_PREFIX).await?;
        let mut providers: Vec<Provider> =
            names.iter().filter_map(|name| provider_from_name(&name[API_KEY_PREFIX.len()..])).collect();
        providers.sort();
        Ok(providers)
    }

    /// Seals tab slot `slot`'s identity seed, then reads it back: `Ok` means it is committed and opens.
    pub async fn seal_seed(&self, slot: u32, seed: &[u8; 32]) -> Result<(), VaultError> {
        self.seal_secret(&seed_name(slot), seed).await?;
        match self.open_seed(slot).await? {
            Some(stored) if stored == *seed => Ok(()),
            _ => Err(VaultError::Unreadable(seed_label(slot))),
        }
    }

    /// Tab slot `slot`'s identity seed; `None` when the vault has none for this slot.
    pub async fn open_seed(&self, slot: u32) -> Result<Option<[u8; 32]>, VaultError> {
        let Some(bytes) = self.open_secret(&seed_name(slot), &seed_label(slot)).await? else { return Ok(None) };
        <[u8; 32]>::try_from(bytes.as_slice()).map(Some).map_err(|_| VaultError::Malformed(seed_label(slot)))
    }

    /// Derives the passphrase key and checks it; from then on this page reads and writes secrets.
    pub async fn unlock(&self, passphrase: &str) -> Result<(), VaultError> {
        let record = self.passphrase_record().await?.ok_or(VaultError::WrongPassphrase)?;
        let key = subtle::derive_passphrase_key(passphrase, &record.salt, record.iterations).await?;
        match subtle::open(&key, PASSPHRASE_CHECK, &record.check.iv, &record.check.ciphertext).await {
            Ok(_) => {}
            Err(CryptoError::TagMismatch) => return Err(VaultError::WrongPassphrase),
            Err(e) => return Err(e.into()),
        }
        UNLOCKED.with(|u| *u.borrow_mut() = Some(Unlocked { salt: record.salt, key }));
        for waiter in WAITING.with(|w| std::mem::take(&mut *w.borrow_mut())) {
            let _ = waiter.send(());
        }
        Ok(())
    }

    /// Resolves once `unlock` succeeds on this page.
    pub async fn unlocked() {
        let (sender, receiver) = oneshot::channel();
        WAITING.with(|w| w.borrow_mut().push(sender));
        let _ = receiver.await;
    }

    /// Re-seals every secret under a key derived from `passphrase`, or, with `None`, under a new
    /// device key. All records change in one transaction: a failure leaves the old protection whole.
    pub async fn set_passphrase(&self, passphrase: Option<&str>) -> Result<(), VaultError> {
        let current = self.current_key().await?;
        let mut secrets = Vec::new();
        for name in self.db.keys_with_prefix(SECRET_PREFIX).await? {
            let record = self.sealed_record(&name).await?.ok_or_else(|| VaultError::Malformed(name.clone()))?;
            let plain = open_record(&current, &name, &record, &name).await?;
            secrets.push((name, plain));
        }
        let (new_key, mut writes, unlocked) = match passphrase {
            Some(passphrase) => {
                let length = passphrase.chars().count();
                if !(MIN_PASSPHRASE_CHARS..=MAX_PASSPHRASE_CHARS).contains(&length) {
                    return Err(VaultError::BadPassphraseLength);
                }
                let salt = subtle::random_bytes::<{ subtle::SALT_BYTES }>()?.to_vec();
                let key = subtle::derive_passphrase_key(passphrase, &salt, subtle::PBKDF2_ITERATIONS).await?;
                let check = SealedRecord::seal(&key, PASSPHRASE_CHECK, PASSPHRASE_CHECK.as_bytes()).await?;
                let record = PassphraseRecord { salt: salt.clone(), iterations: subtle::PBKDF2_ITERATIONS, check };
                let writes = vec![Write::Put(PASSPHRASE.into(), record.to_js()), Write::Delete(DEVICE_KEY.into())];
                (key.clone(), writes, Some(Unlocked { salt, key }))
            }
            None => {
                let key = subtle::generate_device_key().await?;
                let writes = vec![Write::Put(DEVICE_KEY.into(), key.clone().into()), Write::Delete(PASSPHRASE.into())];
                (key, writes, None)
            }
        };
        for (name, plain) in secrets {
            let sealed = SealedRecord::seal(&new_key, &name, &plain).await?;
            writes.push(Write::Put(name, sealed.to_js()));
        }
        self.db.write_all(writes).await?;
        UNLOCKED.with(|u| *u.borrow_mut() = unlocked);
        Ok(())
    }

    async fn passphrase_record(&self) -> Result<Option<PassphraseRecord>, VaultError> {
        match self.db.get(PASSPHRASE).await? {
            None => Ok(None),
            Some(value) => PassphraseRecord::from_js(&value)
                .map(Some)
                .ok_or_else(|| VaultError::Malformed("passphrase salt".into())),
        }
    }

    /// The key secrets are sealed under now: the unlocked passphrase key, or the device key
    /// (created on first use; when two tabs race, both end up with the first one stored).
    async fn current_key(&self) -> Result<CryptoKey, VaultError> {
        if let Some(record) = self.passphrase_record().await? {
            return unlocked_key(&record.salt).ok_or(VaultError::Locked);
        }
        if let Some(key) = self.device_key().await? {
            return Ok(key);
        }
        let fresh = subtle::generate_device_key().await?;
        self.db.add_if_absent(DEVICE_KEY, fresh.into()).await?;
        self.device_key().await?.ok_or_else(|| VaultError::Malformed("device key".into()))
    }

    async fn device_key(&self) -> Result<Option<CryptoKey>, VaultError> {
        match self.db.get(DEVICE_KEY).await? {
            None => Ok(None),
            Some(value) => {
                value.dyn_into::<CryptoKey>().map(Some).map_err(|_| VaultError::Malformed("device key".into()))
            }
        }
    }

    async fn sealed_record(&self, name: &str) -> Result<Option<SealedRecord>, VaultError> {
        match self.db.get(name).await? {
            None => Ok(None),
            Some(value) => SealedRecord::from_js(&value).map(Some).ok_or_else(|| VaultError::Malformed(name.into())),
        }
    }

    async fn seal_secret(&self, name: &str, plain: &[u8]) -> Result<(), VaultError> {
        if plain.len() > MAX_SECRET_BYTES {
            return Err(VaultError::TooLong);
        }
        let key = self.current_key().await?;
        let sealed = SealedRecord::seal(&key, name, plain).await?;
        Ok(self.db.write_all(vec![Write::Put(name.into(), sealed.to_js())]).await?)
    }

    async fn open_secret(&self, name: &str, label: &str) -> Result<Option<Vec<u8>>, VaultError> {
        let Some(record) = self.sealed_record(name).await.map_err(|e| relabel(e, label))? else { return Ok(None) };
        let key = self.current_key().await?;
        open_record(&key, name, &record, label).await.map(Some)
    }
}

async fn open_record(key: &CryptoKey, name: &str, record: &SealedRecord, label: &str) -> Result<Vec<u8>, VaultError> {
    match subtle::open(key, name, &record.iv, &record.ciphertext).await {
        Ok(plain) => Ok(plain),
        Err(CryptoError::TagMismatch) => Err(VaultError::Unreadable(label.into())),
        Err(e) => Err(e.into()),
    }
}

fn relabel(error: VaultError, label: &str) -> VaultError {
    match error {
        VaultError::Malformed(_) => VaultError::Malformed(label.into()),
        other => other,
    }
}

fn unlocked_key(salt: &[u8]) -> Option<CryptoKey> {
    UNLOCKED.with(|u| u.borrow().as_ref().filter(|u| u.salt == salt).map(|u| u.key.clone()))
}

/// `Provider`'s serde name, so a new variant gets its own record without a change here.
fn provider_name(provider: Provider) -> String {
    match serde_json::to_value(provider) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{provider:?}"),
    }
}

fn provider_from_name(name: &str) -> Option<Provider> {
    serde_json::from_value(serde_json::Value::String(name.into())).ok()
}

fn api_key_name(provider: Provider) -> String {
    format!("{API_KEY_PREFIX}{}", provider_name(provider))
}

fn seed_name(slot: u32) -> String {
    format!("{SECRET_PREFIX}identity-seed/slot-{slot}")
}

fn seed_label(slot: u32) -> String {
    format!("identity of tab slot {slot}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_a_record_name_that_reads_back() {
        for provider in [Provider::ThisDevice, Provider::Anthropic, Provider::OpenAi, Provider::Google, Provider::Xai] {
            let name = api_key_name(provider);
            assert!(name.starts_with(API_KEY_PREFIX));
            assert_eq!(provider_from_name(&name[API_KEY_PREFIX.len()..]), Some(provider));
        }
        assert_eq!(api_key_name(Provider::OpenAi), "secret/api-key/open_ai");
    }

    #[test]
    fn an_unknown_provider_name_is_skipped_not_misread() {
        assert_eq!(provider_from_name("someone_new"), None);
    }

    #[test]
    fn seeds_of_different_slots_have_different_names_under_the_secret_prefix() {
        assert_ne!(seed_name(0), seed_name(1));
        assert!(seed_name(7).starts_with(SECRET_PREFIX));
        assert!(!seed_name(7).starts_with(API_KEY_PREFIX));
    }
}
