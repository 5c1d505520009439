//! The identity backup file: a tab slot's seed sealed under a passphrase key (PBKDF2-SHA-256,
//! 600,000 iterations, AES-GCM-256), with the did:key in clear so the user can tell files apart.
//!
//! ```json
//! { "format": "amorph-identity-backup/1", "did": "did:key:z6Mk…",
//!   "kdf": { "name": "pbkdf2-sha256", "iterations": 600000, "salt": "<hex>" },
//!   "iv": "<hex>", "ciphertext": "<hex>" }
//! ```
//!
//! Owns the file format: writing it and reading it back with every size bounded and every field
//! checked. Never stores anything; the caller decides where the seed goes.

use amorph_core::identity::Identity;
use serde::{Deserialize, Serialize};

use super::subtle::{self, CryptoError, IV_BYTES, MAX_PBKDF2_ITERATIONS, MIN_PBKDF2_ITERATIONS, SALT_BYTES};

pub const FORMAT: &str = "amorph-identity-backup/1";
const KDF: &str = "pbkdf2-sha256";
/// A real backup is about 400 bytes; anything far larger is another file.
pub const MAX_FILE_BYTES: usize = 4096;
/// Seed (32 bytes) plus the AES-GCM tag (16).
const CIPHERTEXT_BYTES: usize = 48;

/// Why a backup could not be written or read, in one sentence the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    #[error("that file is too large to be an identity backup (at most {MAX_FILE_BYTES} bytes); pick the .json file Export saved")]
    TooLarge,
    #[error("that file is not an Amorph identity backup; pick the .json file Export saved")]
    NotABackup,
    #[error("this backup is in a format this version cannot read ({0}); open it with a newer Amorph")]
    UnknownFormat(String),
    #[error("wrong passphrase for this backup (or the file was changed)")]
    WrongPassphrase,
    #[error("the key in this backup does not belong to the did:key written in it; the file was changed")]
    DidMismatch,
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BackupFile {
    format: String,
    did: String,
    kdf: Kdf,
    iv: String,
    ciphertext: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Kdf {
    name: String,
    iterations: u32,
    salt: String,
}

/// A parsed file whose fields all have the right shape; only the passphrase is still unchecked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub did: String,
    iterations: u32,
    salt: [u8; SALT_BYTES],
    iv: [u8; IV_BYTES],
    ciphertext: [u8; CIPHERTEXT_BYTES],
}

impl Backup {
    /// Reads a backup file's text, checking its size and every field before any crypto runs.
    pub fn parse(text: &str) -> Result<Backup, BackupError> {
        if text.len() > MAX_FILE_BYTES {
            return Err(BackupError::TooLarge);
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|_| BackupError::NotABackup)?;
        let format = value.get("format").and_then(|f| f.as_str()).ok_or(BackupError::NotABackup)?;
        if format != FORMAT {
            return Err(BackupError::UnknownFormat(format.chars().take(40).collect()));
        }
        let file: BackupFile = serde_json::from_value(value).map_err(|_| BackupError::NotABackup)?;
        if file.kdf.name != KDF {
            return Err(BackupError::UnknownFormat(file.kdf.name.chars().take(40).collect()));
        }
        if !(MIN_PBKDF2_ITERATIONS..=MAX_PBKDF2_ITERATIONS).contains(&file.kdf.iterations) {
            return Err(BackupError::NotABackup);
        }
        amorph_core::identity::PeerId::from_did(&file.did).map_err(|_| BackupError::NotABackup)?;
        Ok(Backup {
            did: file.did,
            iterations: file.kdf.iterations,
            salt: fixed_hex(&file.kdf.salt)?,
            iv: fixed_hex(&file.iv)?,
            ciphertext: fixed_hex(&file.ciphertext)?,
        })
    }

    /// The file's text.
    pub fn to_json(&self) -> String {
        let file = BackupFile {
            format: FORMAT.into(),
            did: self.did.clone(),
            kdf: Kdf { name: KDF.into(), iterations: self.iterations, salt: hex::encode(self.salt) },
            iv: hex::encode(self.iv),
            ciphertext: hex::encode(self.ciphertext),
        };
        serde_json::to_string_pretty(&file).unwrap_or_default()
    }

    /// Seals `seed` under `passphrase`.
    pub async fn seal(seed: &[u8; 32], passphrase: &str) -> Result<Backup, BackupError> {
        let did = Identity::from_seed(*seed).peer_id().to_did();
        let salt = subtle::random_bytes::<SALT_BYTES>()?;
        let key = subtle::derive_passphrase_key(passphrase, &salt, subtle::PBKDF2_ITERATIONS).await?;
        let (iv, ciphertext) = subtle::seal(&key, &additional_data(&did), seed).await?;
        let ciphertext = ciphertext
            .try_into()
            .map_err(|_| CryptoError::Failed { operation: "encrypt", reason: "unexpected ciphertext length".into() })?;
        Ok(Backup { did, iterations: subtle::PBKDF2_ITERATIONS, salt, iv, ciphertext })
    }

    /// The seed, once the passphrase opens it and it gives the did written in the file.
    pub async fn open(&self, passphrase: &str) -> Result<[u8; 32], BackupError> {
        let key = subtle::derive_passphrase_key(passphrase, &self.salt, self.iterations).await?;
        let plain = match subtle::open(&key, &additional_data(&self.did), &self.iv, &self.ciphertext).await {
            Ok(plain) => plain,
            Err(CryptoError::TagMismatch) => return Err(BackupError::WrongPassphrase),
            Err(e) => return Err(e.into()),
        };
        let seed: [u8; 32] = plain.try_into().map_err(|_| BackupError::NotABackup)?;
        check_did(&seed, &self.did)?;
        Ok(seed)
    }
}

/// The did (and format) are bound to the ciphertext, so neither can be edited in the file.
fn additional_data(did: &str) -> String {
    format!("{FORMAT} {did}")
}

fn check_did(seed: &[u8; 32], did: &str) -> Result<(), BackupError> {
    if Identity::from_seed(*seed).peer_id().to_did() == did {
        Ok(())
    } else {
        Err(BackupError::DidMismatch)
    }
}

fn fixed_hex<const N: usize>(text: &str) -> Result<[u8; N], BackupError> {
    let bytes = hex::decode(text).map_err(|_| BackupError::NotABackup)?;
    bytes.try_into().map_err(|_| BackupError::NotABackup)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Backup {
        Backup {
            did: Identity::from_seed([7; 32]).peer_id().to_did(),
            iterations: 600_000,
            salt: [1; SALT_BYTES],
            iv: [2; IV_BYTES],
            ciphertext: [3; CIPHERTEXT_BYTES],
        }
    }

    #[test]
    fn a_written_file_reads_back_the_same() {
        let backup = sample();
        let text = backup.to_json();
        assert!(text.contains(FORMAT) && text.contains(&backup.did) && text.contains("600000"));
        assert_eq!(Backup::parse(&text), Ok(backup));
    }

    #[test]
    fn another_file_is_refused_with_a_sentence_each() {
        assert_eq!(Backup::parse("hello"), Err(BackupError::NotABackup));
        assert_eq!(Backup::parse("{}"), Err(BackupError::NotABackup));
        assert_eq!(Backup::parse(&" ".repeat(MAX_FILE_BYTES + 1)), Err(BackupError::TooLarge));
        let other = sample().to_json().replace(FORMAT, "amorph-identity-backup/9");
        assert_eq!(Backup::parse(&other), Err(BackupError::UnknownFormat("amorph-identity-backup/9".into())));
    }

    #[test]
    fn weak_or_huge_iteration_counts_and_wrong_lengths_are_refused() {
        let weak = sample().to_json().replace("600000", "1000");
        assert_eq!(Backup::parse(&weak), Err(BackupError::NotABackup));
        let huge = sample().to_json().replace("600000", "4000000000");
        assert_eq!(Backup::parse(&huge), Err(BackupError::NotABackup));
        let short_iv = sample().to_json().replace(&hex::encode([2u8; IV_BYTES]), "0202");
        assert_eq!(Backup::parse(&short_iv), Err(BackupError::NotABackup));
    }

    #[test]
    fn a_seed_must_give_the_did_in_the_file() {
        let did = Identity::from_seed([7; 32]).peer_id().to_did();
        assert_eq!(check_did(&[7; 32], &did), Ok(()));
        assert_eq!(check_did(&[8; 32], &did), Err(BackupError::DidMismatch));
    }
}
