//! Identity: Ed25519 keys made from caller-supplied entropy, `did:key` names, signing, and the one
//! signature validity rule (ZIP-215 plus no small-order authors) that single and batch checks share.
//!
//! Owns every use of the secret key. Never draws randomness itself: the adapter passes the seed in,
//! and batch verification derives its coefficients from the batch's own contents.

use std::fmt;

use ed25519_dalek::{Signer, SigningKey};
use ed25519_zebra::batch;
use ed25519_zebra::{VerificationKey, VerificationKeyBytes};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};

/// Multicodec prefix of an Ed25519 public key (0xed as unsigned varint: 0xed 0x01).
const ED25519_MULTICODEC: [u8; 2] = [0xed, 0x01];
const DID_KEY_PREFIX: &str = "did:key:z";

/// Most signatures checked in one batch equation. Larger inputs are split, which bounds the memory
/// of one check and the single checks one bad signature can cause (the rest of its batch).
pub const MAX_BATCH: usize = 512;

/// Domain separation of the batch coefficients' seed.
const BATCH_CONTEXT: &[u8] = b"amorph/signature-batch/v1";

/// The y-coordinates (sign bit cleared) of every encoding of a point of order 1, 2, 4 or 8: the
/// canonical ones of the eight torsion points and the non-canonical p and p + 1 (0 and 1 again).
/// Anyone can sign for such a key, so no event may name one as its author (docs/protocol.md).
const SMALL_ORDER_Y: [[u8; 32]; 7] = [
    hex32("0000000000000000000000000000000000000000000000000000000000000000"),
    hex32("0100000000000000000000000000000000000000000000000000000000000000"),
    hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex32("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
];

const fn hex32(text: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lower-case hex"),
        }
    }
    let text = text.as_bytes();
    let mut out = [0; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]);
        i += 1;
    }
    out
}

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
        VerificationKey::try_from(key).map_err(|_| DidError::BadKey)?;
        Ok(PeerId(key))
    }

    /// A short form for screens: the first and last characters of the did:key.
    pub fn short(&self) -> String {
        let did = self.to_did();
        format!("{}…{}", &did[..16], &did[did.len() - 6..])
    }

    /// A key of order 1, 2, 4 or 8: every signature by it is forgeable, so it may author nothing.
    pub fn is_small_order(&self) -> bool {
        let mut y = self.0;
        y[31] &= 0x7f;
        SMALL_ORDER_Y.contains(&y)
    }

    /// Checks one signature by the rule `verify_each` applies in batches: ZIP-215 (cofactored
    /// equation, non-canonical point encodings accepted, `s` below the group order) and an author
    /// key not of small order.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> Result<(), BadSignature> {
        let item = SignatureCheck { author: *self, message, signature }.item();
        if item.is_some_and(|item| item.verify_single().is_ok()) {
            Ok(())
        } else {
            Err(BadSignature(self.short()))
        }
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

/// One signature to check: the author's key, the signed bytes and the signature.
#[derive(Clone, Copy)]
pub struct SignatureCheck<'a> {
    pub author: PeerId,
    pub message: &'a [u8],
    pub signature: &'a [u8; 64],
}

impl SignatureCheck<'_> {
    /// ed25519-zebra's form of the check (with `k = H(R, A, message)` computed), or `None` for a
    /// small-order author, which fails before any arithmetic.
    fn item(&self) -> Option<batch::Item> {
        if self.author.is_small_order() {
            return None;
        }
        let signature = ed25519_zebra::Signature::from_bytes(self.signature);
        Some(batch::Item::from((VerificationKeyBytes::from(self.author.0), signature, self.message)))
    }
}

/// Which of `checks` hold, each exactly as `PeerId::verify` would say, checked in batches of at most
/// `MAX_BATCH`. ZIP-215's batch equation holds whenever every signature in it is valid, so a batch
/// that fails has a bad one: its signatures are then checked one by one, so that exactly the bad ones
/// come out `false`, and never more work than checking each alone plus the failed batch.
pub fn verify_each(checks: &[SignatureCheck<'_>]) -> Vec<bool> {
    let mut verdicts = Vec::with_capacity(checks.len());
    for chunk in checks.chunks(MAX_BATCH) {
        let items: Vec<Option<batch::Item>> = chunk.iter().map(SignatureCheck::item).collect();
        let present: Vec<(&SignatureCheck<'_>, &batch::Item)> =
            chunk.iter().zip(&items).filter_map(|(check, item)| Some((check, item.as_ref()?))).collect();
        let all = present.len() > 1 && verify_batch(&present);
        verdicts.extend(items.into_iter().map(|item| item.is_some_and(|item| all || item.verify_single().is_ok())));
    }
    verdicts
}

/// The ZIP-215 batch equation over `checks`, with coefficients drawn from a hash of all its inputs.
fn verify_batch(checks: &[(&SignatureCheck<'_>, &batch::Item)]) -> bool {
    let mut verifier = batch::Verifier::new();
    for (_, item) in checks {
        verifier.queue((*item).clone());
    }
    verifier.verify(Coefficients::for_batch(checks.iter().map(|(check, _)| *check), checks.len())).is_ok()
}

/// The random-looking stream batch verification draws its 128-bit coefficients from: SHA-512 of a
/// seed and a block counter. The seed hashes every key, signature and message of the batch, so the
/// coefficients are fixed only once all inputs are, and an input chosen to cancel them would change
/// them (the Fiat–Shamir argument in docs/decisions.md). Nothing here is secret.
struct Coefficients {
    seed: [u8; 64],
    counter: u64,
    block: [u8; 64],
    used: usize,
}

impl Coefficients {
    fn for_batch<'a>(checks: impl Iterator<Item = &'a SignatureCheck<'a>>, count: usize) -> Self {
        let mut hash = Sha512::new();
        hash.update(BATCH_CONTEXT);
        hash.update((count as u64).to_le_bytes());
        for check in checks {
            hash.update(check.author.0);
            hash.update(check.signature);
            hash.update((check.message.len() as u64).to_le_bytes());
            hash.update(check.message);
        }
        Coefficients { seed: hash.finalize().into(), counter: 0, block: [0; 64], used: 64 }
    }
}

impl RngCore for Coefficients {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            if self.used == self.block.len() {
                let mut hash = Sha512::new();
                hash.update(self.seed);
                hash.update(self.counter.to_le_bytes());
                self.block = hash.finalize().into();
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// The stream is unpredictable to whoever chose the batch (see `Coefficients`), which is what batch
// verification asks of its RNG; it protects no secret.
impl CryptoRng for Coefficients {}

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

    /// Every encoding that decompresses to one of the eight torsion points is on the list: the
    /// canonical ones, the other sign bit, and y + p where that fits in 255 bits (y = 0 and y = 1).
    #[test]
    fn small_order_keys_are_exactly_the_listed_encodings() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        use curve25519_dalek::edwards::CompressedEdwardsY;
        for point in EIGHT_TORSION {
            let mut key = PeerId(point.compress().to_bytes());
            assert!(key.is_small_order());
            key.0[31] ^= 0x80;
            assert!(key.is_small_order());
        }
        for y in SMALL_ORDER_Y {
            for sign in [0, 0x80] {
                let mut bytes = y;
                bytes[31] |= sign;
                let point = CompressedEdwardsY(bytes).decompress().expect("each listed y is on the curve");
                assert!(point.is_small_order(), "{}", hex::encode(bytes));
            }
        }
        assert!(!Identity::from_seed([5; 32]).peer_id().is_small_order());
    }

    fn signed_many(count: usize) -> Vec<(PeerId, Vec<u8>, [u8; 64])> {
        let people: Vec<Identity> = (1..=10).map(|n| Identity::from_seed([n; 32])).collect();
        (0..count)
            .map(|i| {
                let who = &people[i % people.len()];
                let message = format!("event {i}").into_bytes();
                (who.peer_id(), message.clone(), who.sign(&message))
            })
            .collect()
    }

    fn checks(signed: &[(PeerId, Vec<u8>, [u8; 64])]) -> Vec<SignatureCheck<'_>> {
        signed
            .iter()
            .map(|(author, message, signature)| SignatureCheck { author: *author, message, signature })
            .collect()
    }

    #[test]
    fn one_bad_signature_fails_its_batch_and_only_itself() {
        let mut signed = signed_many(2 * MAX_BATCH + 3);
        let bad = MAX_BATCH + 7;
        signed[bad].2[40] ^= 1;
        let verdicts = verify_each(&checks(&signed));
        let refused: Vec<usize> = (0..verdicts.len()).filter(|i| !verdicts[*i]).collect();
        assert_eq!(refused, vec![bad]);
        let batch = |range: std::ops::Range<usize>| {
            let checks = checks(&signed[range]);
            let items: Vec<_> = checks.iter().map(|c| c.item().expect("no small-order keys here")).collect();
            verify_batch(&checks.iter().zip(&items).collect::<Vec<_>>())
        };
        assert!(batch(0..MAX_BATCH), "a batch of valid signatures holds");
        assert!(!batch(MAX_BATCH..2 * MAX_BATCH), "one bad signature fails its batch");
    }

    #[test]
    fn batch_coefficients_depend_on_every_input() {
        let signed = signed_many(4);
        let stream = |checks: &[SignatureCheck<'_>]| {
            let mut rng = Coefficients::for_batch(checks.iter(), checks.len());
            let mut bytes = [0; 80];
            rng.fill_bytes(&mut bytes);
            bytes
        };
        let base = stream(&checks(&signed));
        assert_eq!(base, stream(&checks(&signed)), "the same batch draws the same coefficients");
        let mut other = signed.clone();
        other[3].1.push(0);
        assert_ne!(base, stream(&checks(&other)));
        let mut other = signed.clone();
        other[0].2[63] ^= 1;
        assert_ne!(base, stream(&checks(&other)));
        assert_ne!(base, stream(&checks(&signed[..3])));
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
