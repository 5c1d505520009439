//! The vault's IndexedDB database `amorph-vault`, shared by every tab slot of this origin: one
//! object store of structured-cloned JS values (a `CryptoKey` object, `{ iv, ciphertext }` records,
//! the passphrase's salt).
//!
//! Owns the layout only: it never encrypts, decrypts or decides what a value means.

use std::fmt;

use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use wasm_bindgen::JsValue;

const DB_NAME: &str = "amorph-vault";
const DB_VERSION: u8 = 1;
const STORE: &str = "vault";

/// An IndexedDB operation on the vault failed; the text names the operation and the browser's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DbError(pub String);

fn err(context: &str, error: impl fmt::Display) -> DbError {
    DbError(format!("{context}: {error}"))
}

/// One write of a transaction.
pub enum Write {
    Put(String, JsValue),
    Delete(String),
}

#[derive(Clone)]
pub struct VaultDb {
    db: Database,
}

impl VaultDb {
    pub async fn open() -> Result<VaultDb, DbError> {
        let db = Database::open(DB_NAME)
            .with_version(DB_VERSION)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(STORE).build()?;
                }
                Ok(())
            })
            .await
            .map_err(|e| err("cannot open the vault's IndexedDB (private mode or storage blocked?)", e))?;
        Ok(VaultDb { db })
    }

    /// The value under `key`; `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<JsValue>, DbError> {
        let tx = self.db.transaction(STORE).build().map_err(|e| err("vault read", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("vault read", e))?;
        let value: Option<JsValue> =
            store.get(key).primitive().map_err(|e| err("vault read", e))?.await.map_err(|e| err("vault read", e))?;
        Ok(value.filter(|v| !v.is_undefined() && !v.is_null()))
    }

    /// Every key in the store that starts with `prefix`.
    pub async fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, DbError> {
        let tx = self.db.transaction(STORE).build().map_err(|e| err("vault read", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("vault read", e))?;
        let keys = store
            .get_all_keys::<String>()
            .primitive()
            .map_err(|e| err("vault read", e))?
            .await
            .map_err(|e| err("vault read", e))?;
        let mut found = Vec::new();
        for key in keys {
            let key = key.map_err(|e| err("vault read", e))?;
            if key.starts_with(prefix) {
                found.push(key);
            }
        }
        Ok(found)
    }

    /// Stores `value` under `key` only if the key is free; returns whether it was stored. Two tabs
    /// that race to create the same entry thus keep the first one.
    pub async fn add_if_absent(&self, key: &str, value: JsValue) -> Result<bool, DbError> {
        if self.get(key).await?.is_some() {
            return Ok(false);
        }
        let tx = self
            .db
            .transaction(STORE)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(|e| err("vault write", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("vault write", e))?;
        store.add(value).with_key(key).without_key_type().primitive().map_err(|e| err("vault write", e))?;
        // A ConstraintError (another tab added it first) aborts the transaction.
        Ok(tx.commit().await.is_ok())
    }

    /// Applies every write in one transaction (all or none) and waits for the commit.
    pub async fn write_all(&self, writes: Vec<Write>) -> Result<(), DbError> {
        let tx = self
            .db
            .transaction(STORE)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(|e| err("vault write", e))?;
        let store = tx.object_store(STORE).map_err(|e| err("vault write", e))?;
        for write in writes {
            match write {
                Write::Put(key, value) => {
                    store.put(value).with_key(key).without_key_type().primitive().map_err(|e| err("vault write", e))?;
                }
                Write::Delete(key) => {
                    store.delete(key).primitive().map_err(|e| err("vault write", e))?;
                }
            }
        }
        tx.commit().await.map_err(|e| err("vault commit", e))
    }
}
