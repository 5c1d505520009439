//! The vault's stored shapes as JS objects: a sealed record `{ iv, ciphertext }` and the
//! passphrase record `{ salt, iterations, check }`.
//!
//! Owns their conversion to and from JS values with bounded sizes; a value of another shape reads
//! as `None`, never as a panic.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::CryptoKey;

use super::subtle::{self, CryptoError, IV_BYTES, MAX_PBKDF2_ITERATIONS, MIN_PBKDF2_ITERATIONS, SALT_BYTES};
use super::MAX_SECRET_BYTES;

/// AES-GCM adds a 16-byte tag to the plaintext.
const MAX_CIPHERTEXT_BYTES: usize = MAX_SECRET_BYTES + 16;

/// One secret, sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRecord {
    pub iv: [u8; IV_BYTES],
    pub ciphertext: Vec<u8>,
}

impl SealedRecord {
    pub async fn seal(key: &CryptoKey, name: &str, plain: &[u8]) -> Result<SealedRecord, CryptoError> {
        let (iv, ciphertext) = subtle::seal(key, name, plain).await?;
        Ok(SealedRecord { iv, ciphertext })
    }

    pub fn to_js(&self) -> JsValue {
        let object = Object::new();
        set(&object, "iv", &Uint8Array::from(self.iv.as_slice()).into());
        set(&object, "ciphertext", &Uint8Array::from(self.ciphertext.as_slice()).into());
        object.into()
    }

    pub fn from_js(value: &JsValue) -> Option<SealedRecord> {
        let iv = bytes(value, "iv", IV_BYTES)?.try_into().ok()?;
        let ciphertext = bytes(value, "ciphertext", MAX_CIPHERTEXT_BYTES)?;
        Some(SealedRecord { iv, ciphertext })
    }
}

/// What unlocking needs: the PBKDF2 salt and iterations, and a record sealed under the derived
/// key so a wrong passphrase is told apart from a damaged secret.
pub struct PassphraseRecord {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub check: SealedRecord,
}

impl PassphraseRecord {
    pub fn to_js(&self) -> JsValue {
        let object = Object::new();
        set(&object, "salt", &Uint8Array::from(self.salt.as_slice()).into());
        set(&object, "iterations", &JsValue::from(self.iterations));
        set(&object, "check", &self.check.to_js());
        object.into()
    }

    pub fn from_js(value: &JsValue) -> Option<PassphraseRecord> {
        let salt = bytes(value, "salt", SALT_BYTES)?;
        let iterations = Reflect::get(value, &"iterations".into()).ok()?.as_f64()?;
        let iterations = (MIN_PBKDF2_ITERATIONS as f64..=MAX_PBKDF2_ITERATIONS as f64)
            .contains(&iterations)
            .then_some(iterations as u32)?;
        let check = SealedRecord::from_js(&Reflect::get(value, &"check".into()).ok()?)?;
        Some(PassphraseRecord { salt, iterations, check })
    }
}

fn set(object: &Object, field: &str, value: &JsValue) {
    // Setting a field on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &field.into(), value);
}

/// The byte array in `field`, if it has at most `max` bytes.
fn bytes(value: &JsValue, field: &str, max: usize) -> Option<Vec<u8>> {
    if !value.is_object() {
        return None;
    }
    let array = Reflect::get(value, &field.into()).ok()?.dyn_into::<Uint8Array>().ok()?;
    (array.length() as usize <= max).then(|| array.to_vec())
}
