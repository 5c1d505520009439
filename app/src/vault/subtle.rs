//! The WebCrypto calls the vault needs: random bytes, a non-extractable AES-GCM-256 key, a key
//! derived from a passphrase (PBKDF2-SHA-256), and AES-GCM sealing with the record's name as
//! additional data.
//!
//! Owns no state and never sees where bytes are stored. Never puts secret bytes into an error:
//! the browser's own error text (which names an operation, not data) is all an error carries.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, AesKeyGenParams, CryptoKey, Pbkdf2Params, SubtleCrypto};

/// Length of an AES-GCM nonce, the size WebCrypto and NIST recommend.
pub const IV_BYTES: usize = 12;
/// Length of a PBKDF2 salt.
pub const SALT_BYTES: usize = 16;
/// PBKDF2-SHA-256 iterations: OWASP's 2023 figure for this hash.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// Fewest iterations a backup file may ask for; below this a stolen file is cheap to guess.
pub const MIN_PBKDF2_ITERATIONS: u32 = 600_000;
/// Most iterations a backup file may ask for, so a crafted file cannot hang the page.
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// Why a WebCrypto call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error(
        "this page has no WebCrypto (crypto.subtle exists only on https:// or localhost pages); secrets cannot be encrypted here"
    )]
    Unavailable,
    /// AES-GCM's tag did not match: wrong key, or the bytes or their name were changed.
    #[error("the encrypted bytes do not open with this key (wrong passphrase, or they were changed)")]
    TagMismatch,
    #[error("WebCrypto {operation} failed: {reason}")]
    Failed { operation: &'static str, reason: String },
}

/// `Ok` when this page can encrypt (a secure context with `crypto.subtle`).
pub fn available() -> Result<(), CryptoError> {
    subtle().map(|_| ())
}

fn subtle() -> Result<SubtleCrypto, CryptoError> {
    let crypto = web_sys::window().ok_or(CryptoError::Unavailable)?.crypto().map_err(|_| CryptoError::Unavailable)?;
    let subtle = crypto.subtle();
    // In an insecure context `crypto.subtle` is undefined although the binding returns an object.
    if JsValue::from(subtle.clone()).is_undefined() {
        return Err(CryptoError::Unavailable);
    }
    Ok(subtle)
}

fn failed(operation: &'static str) -> impl Fn(JsValue) -> CryptoError {
    move |error| CryptoError::Failed { operation, reason: describe(&error) }
}

/// The DOMException's name and message (never the data it was about).
fn describe(error: &JsValue) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(e) => format!("{}: {}", String::from(e.name()), String::from(e.message())),
        None => "unknown error".into(),
    }
}

async fn resolve(promise: Result<Promise, JsValue>, operation: &'static str) -> Result<JsValue, CryptoError> {
    JsFuture::from(promise.map_err(failed(operation))?).await.map_err(failed(operation))
}

fn usages(names: &[&str]) -> JsValue {
    names.iter().map(|n| JsValue::from_str(n)).collect::<Array>().into()
}

/// `N` bytes from `crypto.getRandomValues`.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let crypto = web_sys::window().ok_or(CryptoError::Unavailable)?.crypto().map_err(|_| CryptoError::Unavailable)?;
    let mut bytes = [0u8; N];
    crypto.get_random_values_with_u8_array(&mut bytes).map_err(failed("getRandomValues"))?;
    Ok(bytes)
}

/// A fresh AES-GCM-256 key that the page can use but never read (`extractable: false`).
pub async fn generate_device_key() -> Result<CryptoKey, CryptoError> {
    let subtle = subtle()?;
    let algorithm = AesKeyGenParams::new("AES-GCM", 256);
    let key =
        resolve(subtle.generate_key_with_object(&algorithm, false, &usages(&["encrypt", "decrypt"])), "generateKey")
            .await?;
    key.dyn_into::<CryptoKey>().map_err(|_| CryptoError::Failed { operation: "generateKey", reason: "no key".into() })
}

/// The AES-GCM-256 key PBKDF2-SHA-256 derives from `passphrase` and `salt`; not extractable.
pub async fn derive_passphrase_key(passphrase: &str, salt: &[u8], iterations: u32) -> Result<CryptoKey, CryptoError> {
    let subtle = subtle()?;
    let material = Uint8Array::from(passphrase.as_bytes());
    let base =
        resolve(subtle.import_key_with_str("raw", &material, "PBKDF2", false, &usages(&["deriveKey"])), "importKey")
            .await?
            .dyn_into::<CryptoKey>()
            .map_err(|_| CryptoError::Failed { operation: "importKey", reason: "no key".into() })?;
    let params = Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", iterations, &Uint8Array::from(salt));
    let derived_type = AesKeyGenParams::new("AES-GCM", 256);
    let key = resolve(
        subtle.derive_key_with_object_and_object(
            &params,
            &base,
            &derived_type,
            false,
            &usages(&["encrypt", "decrypt"]),
        ),
        "deriveKey",
    )
    .await?;
    key.dyn_into::<CryptoKey>().map_err(|_| CryptoError::Failed { operation: "deriveKey", reason: "no key".into() })
}

fn gcm_params(iv: &[u8; IV_BYTES], additional_data: &str) -> AesGcmParams {
    let params = AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(iv.as_slice()));
    params.set_additional_data_u8_array(&Uint8Array::from(additional_data.as_bytes()));
    params
}

/// Encrypts `plaintext` under `key` with a fresh random nonce; `additional_data` is bound to the
/// ciphertext, so it opens only under the same name.
pub async fn seal(
    key: &CryptoKey,
    additional_data: &str,
    plaintext: &[u8],
) -> Result<([u8; IV_BYTES], Vec<u8>), CryptoError> {
    let iv = random_bytes::<IV_BYTES>()?;
    let params = gcm_params(&iv, additional_data);
    let data = Uint8Array::from(plaintext);
    let sealed = resolve(subtle()?.encrypt_with_object_and_js_u8_array(&params, key, &data), "encrypt").await?;
    Ok((iv, Uint8Array::new(&sealed).to_vec()))
}

/// Decrypts what `seal` produced with the same key and name.
pub async fn open(
    key: &CryptoKey,
    additional_data: &str,
    iv: &[u8; IV_BYTES],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let params = gcm_params(iv, additional_data);
    let data = Uint8Array::from(ciphertext);
    let promise = subtle()?.decrypt_with_object_and_js_u8_array(&params, key, &data).map_err(failed("decrypt"))?;
    match JsFuture::from(promise).await {
        Ok(plain) => Ok(Uint8Array::new(&plain).to_vec()),
        // WebCrypto reports a tag mismatch as a bare OperationError.
        Err(e) if e.dyn_ref::<js_sys::Error>().is_some_and(|e| e.name() == "OperationError") => {
            Err(CryptoError::TagMismatch)
        }
        Err(e) => Err(failed("decrypt")(e)),
    }
}
