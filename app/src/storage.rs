//! Local storage of one tab slot: an IndexedDB database `amorph-slot-N` with one key-value object
//! store holding the identity seed and the event store snapshot, both as byte arrays.
//!
//! Owns the database layout. Never decides what the bytes mean and never deletes data on its own:
//! a value that cannot be read is kept under another key for later inspection.
//!
//! The identity seed lives sealed in the vault (`crate::vault`). `KEY_SEED` holds a seed in the
//! clear only in a browser without WebCrypto, or until a seed from an older version is moved into
//! the vault (then it is deleted here, once the sealed copy is committed and read back).

use std::fmt;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

const DB_VERSION: u8 = 1;
const STORE: &str = "kv";
pub const KEY_SEED: &str = "identity-seed";
pub const KEY_EVENTS: &str = "event-store";
/// The store's adopted checkpoint (`EventStore::stored_checkpoint`), saved with the snapshot it goes with.
pub const KEY_CHECKPOINT: &str = "event-checkpoint";

/// A storage operation failed; the message says which and why.
#[derive(Debug, Clone)]
pub struct StorageError(pub String);

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "browser storage: {}", self.0)
    }
}

fn err(context: &str, error: impl fmt::Display) -> StorageError {
    StorageError(format!("{context}: {error}"))
}

/// An open database of one slot.
#[derive(Clone)]
pub struct Storage {
    db: Database,
}

impl Storage {
    pub fn db_name(slot: u32) -> String {
        format!("amorph-slot-{slot}")
    }

    pub async fn open(slot: u32) -> Result<Storage, StorageError> {
        let db = Database::open(Self::db_name(slot).as_str())
            .with_version(DB_VERSION)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(STORE).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| err("cannot open IndexedDB (private mode or storage blocked?)", e))?;
        Ok(Storage { db })
    }

    /// Reads the bytes stored under `key`; `None` when there is nothing.
    pub async fn load(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let tx = self.db.transaction(STORE).build().map_err(|e| err("read transaction", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("read transaction", e))?;
        let value: Option<JsValue> =
            store.get(key).primitive().map_err(|e| err("read", e))?.await.map_err(|e| err("read", e))?;
        match value {
            None => Ok(None),
            Some(v) if v.is_undefined() || v.is_null() => Ok(None),
            Some(v) => match v.dyn_into::<Uint8Array>() {
                Ok(array) => Ok(Some(array.to_vec())),
                Err(_) => Err(StorageError(format!("the value under {key:?} is not a byte array"))),
            },
        }
    }

    /// Deletes what is stored under `key` and waits for the commit.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(STORE)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(|e| err("delete transaction", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("delete transaction", e))?;
        store.delete(key).primitive().map_err(|e| err("delete", e))?;
        tx.commit().await.map_err(|e| err("commit", e))
    }

    /// Writes `bytes` under `key`, replacing what was there, and waits for the commit.
    pub async fn save(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.save_all(&[(key, bytes)]).await
    }

    /// Writes every `(key, bytes)` in one transaction (all or none), and waits for the commit.
    pub async fn save_all(&self, values: &[(&str, &[u8])]) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(STORE)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(|e| err("write transaction", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("write transaction", e))?;
        for (key, bytes) in values {
            let value: JsValue = Uint8Array::from(*bytes).into();
            store.put(value).with_key(*key).without_key_type().primitive().map_err(|e| err("write", e))?;
        }
        tx.commit().await.map_err(|e| err("commit", e))
    }
}
