//! Identity: Ed25519 keys made from caller-supplied entropy, `did:key` names, signing and verification.
//!
//! Owns every use of the secret key. Never draws randomness itself: the adapter passes the seed in.

use std::fmt;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Multicodec prefix of an Ed25519 public key (0xed as unsigned varint: 0xed 0x01).
const ED25519_MULTICODEC: [u8; 2] = [0xed, 0x01];
const DID_KEY_PREFIX: &str = "did:key:z";

/// Why a `did:key` string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DidError {
    #[error("not a did:key with base58btc multibase (expected it to start with \"did:key:z\")")]
    NotDidKey,
    #[error("the did:key is not valid base58btc")]
    BadBase58,
    #[error("the did:key names a key type other than Ed25519 (multicodec 0xed01)")]
    NotEd25519,
    #[error("the did:key holds {0} key bytes; an Ed25519 key has 32")]
    BadLength(usize),
    #[error("the did:key bytes are not a valid Ed25519 public key")]
    BadKey,
}

/// A signature did not verify against the claimed author.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signature does not verify for {0}")]
pub struct BadSignature(pub String);

/// The public half of an identity: 32 bytes of Ed25519 public key, shown as `did:key`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PeerId(pub [u8; 32]);

impl PeerId {
    pub fn to_did(&self) -> String {
        let mut bytes = Vec::with_capacity(34);
        bytes.extend_from_slice(&ED25519_MULTICODEC);
        bytes.extend_from_slice(&self.0);
        format!("{DID_KEY_PREFIX}{}", bs58::encode(bytes).into_string())
    }

    pub fn from_did(did: &str) -> Result<Self, DidError> {
        let encoded = did.strip_prefix(DID_KEY_PREFIX).ok_or(DidError::NotDidKey)?;
        let bytes = bs58::decode(encoded).into_vec().map_err(|_| DidError::BadBase58)?;
        let key = bytes.strip_prefix(&ED25519_MULTICODEC[..]).ok_or(DidError::NotEd25519)?;
        let key: [u8; 32] = key.try_into().map_err(|_| DidError::BadLength(key.len()))?;
        VerifyingKey::from_bytes(&key).map_err(|_| DidError::BadKey)?;
        Ok(PeerId(key))
    }

    /// A short form for screens: the first and last characters of the did:key.
    pub fn short(&self) -> String {
        let did = self.to_did();
        format!("{}…{}", &did[..16], &did[did.len() - 6..])
    }

    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), BadSignature> {
        let bad = || BadSignature(self.short());
        let key = VerifyingKey::from_bytes(&self.0).map_err(|_| bad())?;
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        key.verify_strict(message, &signature).map_err(|_| bad())
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_did())
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerId({})", self.short())
    }
}

/// A private identity. The seed is the only secret; keep it where the adapter keeps secrets.
#[derive(Clone)]
pub struct Identity {
    key: SigningKey,
}

impl Identity {
    /// Derives the key pair from 32 bytes of entropy supplied by the caller (e.g. `crypto.getRandomValues`).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Identity { key: SigningKey::from_bytes(&seed) }
    }

    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn peer_id(&self) -> PeerId {
        PeerId(self.key.verifying_key().to_bytes())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identity({})", self.peer_id().short())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_key_round_trips() {
        let id = Identity::from_seed([7; 32]).peer_id();
        let did = id.to_did();
        assert!(did.starts_with("did:key:z6Mk"), "Ed25519 did:keys start with z6Mk: {did}");
        assert_eq!(PeerId::from_did(&did), Ok(id));
    }

    /// Test vector from the did:key method specification (Ed25519 example).
    #[test]
    fn parses_the_spec_example() {
        let did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
        let id = PeerId::from_did(did).expect("spec example parses");
        assert_eq!(id.to_did(), did);
    }

    /// RFC 8032 section 7.1, test 2: secret key, public key and signature of the one-byte message 0x72.
    #[test]
    fn matches_rfc8032_test_vector() {
        let seed: [u8; 32] = hex::decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
            .unwrap()
            .try_into()
            .unwrap();
        let identity = Identity::from_seed(seed);
        assert_eq!(
            hex::encode(identity.peer_id().0),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
        );
        let signature = identity.sign(&[0x72]);
        assert_eq!(
            hex::encode(signature),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        );
        assert!(identity.peer_id().verify(&[0x72], &signature).is_ok());
    }

    #[test]
    fn rejects_bad_dids() {
        assert_eq!(PeerId::from_did("did:web:example.com"), Err(DidError::NotDidKey));
        assert_eq!(PeerId::from_did("did:key:z0OIl"), Err(DidError::BadBase58));
        // secp256k1 multicodec (0xe7 0x01) instead of Ed25519
        let mut bytes = vec![0xe7, 0x01];
        bytes.extend([1u8; 33]);
        let did = format!("did:key:z{}", bs58::encode(bytes).into_string());
        assert_eq!(PeerId::from_did(&did), Err(DidError::NotEd25519));
        let mut short = ED25519_MULTICODEC.to_vec();
        short.extend([1u8; 31]);
        let did = format!("did:key:z{}", bs58::encode(short).into_string());
        assert_eq!(PeerId::from_did(&did), Err(DidError::BadLength(31)));
    }

    #[test]
    fn signature_fails_for_other_message_or_key() {
        let a = Identity::from_seed([1; 32]);
        let b = Identity::from_seed([2; 32]);
        let sig = a.sign(b"hello");
        assert!(a.peer_id().verify(b"hello!", &sig).is_err());
        assert!(b.peer_id().verify(b"hello", &sig).is_err());
    }
}
