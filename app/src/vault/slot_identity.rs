//! A tab slot's identity at boot: opened from the vault, moved there from the clear copy older
//! versions kept in the slot's IndexedDB, or created and sealed on first use. With the passphrase
//! set, waits for the user to unlock the vault.
//!
//! Never loses an identity: the clear copy is deleted only once the sealed one is committed and
//! reads back equal, and a stored seed that cannot be read is left untouched (the tab then runs
//! on a temporary identity and says so).

use amorph_core::identity::Identity;
use leptos::prelude::*;

use super::{subtle, Protection, Vault, VaultError};
use crate::storage::{Storage, KEY_SEED};
use crate::ui_state::{SeedAtRest, Ui};

/// The identity of tab slot `slot`; `ui.seed_at_rest` says how it is kept.
pub async fn load(storage: Option<&Storage>, slot: u32, ui: Ui) -> Identity {
    let vault = match Vault::open().await {
        Ok(vault) => vault,
        Err(e) => return load_clear(storage, ui, e.to_string()).await,
    };
    loop {
        match vault.open_seed(slot).await {
            Ok(Some(seed)) => {
                forget_clear_copy(storage, &seed, ui).await;
                ui.seed_at_rest.set(Some(at_rest(&vault).await));
                return Identity::from_seed(seed);
            }
            Ok(None) => return seal_first(&vault, storage, slot, ui).await,
            Err(VaultError::Locked) => {
                ui.seed_at_rest.set(Some(SeedAtRest::Passphrase { locked: true }));
                Vault::unlocked().await;
            }
            Err(e) => {
                ui.problem.set(Some(format!("{e}; this tab uses a temporary identity")));
                return temporary(ui);
            }
        }
    }
}

async fn at_rest(vault: &Vault) -> SeedAtRest {
    match vault.protection().await {
        Ok(Protection::Passphrase { unlocked }) => SeedAtRest::Passphrase { locked: !unlocked },
        _ => SeedAtRest::DeviceKey,
    }
}

/// No sealed seed yet: seal the clear one of an older version, or a new one.
async fn seal_first(vault: &Vault, storage: Option<&Storage>, slot: u32, ui: Ui) -> Identity {
    let clear = match storage {
        Some(storage) => match storage.load(KEY_SEED).await {
            Ok(clear) => clear,
            Err(e) => {
                ui.problem.set(Some(format!("{e}; this tab uses a temporary identity")));
                return temporary(ui);
            }
        },
        None => None,
    };
    let seed = match clear.as_deref().map(<[u8; 32]>::try_from) {
        Some(Ok(seed)) => seed,
        Some(Err(_)) => {
            ui.problem.set(Some(unreadable_clear_seed(clear.map_or(0, |c| c.len()))));
            return temporary(ui);
        }
        None => match subtle::random_bytes::<32>() {
            Ok(seed) => seed,
            Err(e) => {
                ui.problem.set(Some(format!("{e}; this tab uses a temporary identity")));
                return temporary(ui);
            }
        },
    };
    match vault.seal_seed(slot, &seed).await {
        Ok(()) => {
            if clear.is_some() {
                forget_clear_copy(storage, &seed, ui).await;
            }
            ui.seed_at_rest.set(Some(at_rest(vault).await));
        }
        Err(e) if clear.is_some() => {
            ui.problem.set(Some(format!("{e}; your identity stays stored unencrypted")));
            ui.seed_at_rest.set(Some(SeedAtRest::Clear(e.to_string())));
        }
        Err(e) => {
            ui.problem.set(Some(format!("{e}; this identity is temporary")));
            ui.seed_at_rest.set(Some(SeedAtRest::Temporary));
        }
    }
    Identity::from_seed(seed)
}

/// Deletes the slot's clear seed if it is the same as the sealed one.
async fn forget_clear_copy(storage: Option<&Storage>, sealed: &[u8; 32], ui: Ui) {
    let Some(storage) = storage else { return };
    match storage.load(KEY_SEED).await {
        Ok(Some(clear)) if clear.as_slice() == sealed => {
            if let Err(e) = storage.delete(KEY_SEED).await {
                ui.problem.set(Some(format!("{e}: an unencrypted copy of your identity is still in this browser")));
            }
        }
        Ok(Some(_)) => ui.problem.set(Some(format!(
            "an older, different identity is still stored unencrypted in this tab slot (under \"{KEY_SEED}\"); it was kept as it is"
        ))),
        Ok(None) | Err(_) => {}
    }
}

/// Without WebCrypto: the seed stays in the clear in the slot's database, as before the vault.
async fn load_clear(storage: Option<&Storage>, ui: Ui, why: String) -> Identity {
    let Some(storage) = storage else { return temporary(ui) };
    match storage.load(KEY_SEED).await {
        Ok(Some(bytes)) => match <[u8; 32]>::try_from(bytes.as_slice()) {
            Ok(seed) => {
                ui.seed_at_rest.set(Some(SeedAtRest::Clear(why)));
                Identity::from_seed(seed)
            }
            Err(_) => {
                ui.problem.set(Some(unreadable_clear_seed(bytes.len())));
                temporary(ui)
            }
        },
        Ok(None) => {
            let Ok(seed) = subtle::random_bytes::<32>() else { return temporary(ui) };
            match storage.save(KEY_SEED, &seed).await {
                Ok(()) => ui.seed_at_rest.set(Some(SeedAtRest::Clear(why))),
                Err(e) => {
                    ui.problem.set(Some(format!("{e}; this identity is temporary")));
                    ui.seed_at_rest.set(Some(SeedAtRest::Temporary));
                }
            }
            Identity::from_seed(seed)
        }
        Err(e) => {
            ui.problem.set(Some(format!("{e}; this tab uses a temporary identity")));
            temporary(ui)
        }
    }
}

fn unreadable_clear_seed(length: usize) -> String {
    format!(
        "the stored identity has {length} bytes instead of 32; it was kept as it is and this tab uses a temporary identity"
    )
}

/// An identity that is not stored. Without `crypto.getRandomValues` there is no safe key: that
/// one is for viewing only.
fn temporary(ui: Ui) -> Identity {
    ui.seed_at_rest.set(Some(SeedAtRest::Temporary));
    match subtle::random_bytes::<32>() {
        Ok(seed) => Identity::from_seed(seed),
        Err(_) => {
            ui.problem.set(Some(
                "this browser offers no secure random numbers (crypto.getRandomValues); do not post from this tab"
                    .into(),
            ));
            let now = js_sys::Date::now() as u64;
            Identity::from_seed(now.to_le_bytes().repeat(4).try_into().unwrap_or([0; 32]))
        }
    }
}
