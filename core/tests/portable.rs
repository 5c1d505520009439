//! The same checks natively and in the browser (wasm32, run by wasm-bindgen-test in Chromium):
//! published test vectors, and golden values that pin the byte format and the derived views, so a
//! browser peer and a native relay can never disagree about an event id or a karma figure.

mod support;

use amorph_core::economy::Economy;
use amorph_core::identity::{verify_each, Identity, PeerId, SignatureCheck};
use amorph_core::store::EventStore;
use sha2::{Digest, Sha256};
use support::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[test]
fn rfc8032_and_did_key_vectors() {
    let seed: [u8; 32] =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap().try_into().unwrap();
    let identity = Identity::from_seed(seed);
    assert_eq!(hex::encode(identity.peer_id().0), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    assert_eq!(
        hex::encode(identity.sign(b"")),
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    );
    let did = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp";
    assert_eq!(PeerId::from_did(did).unwrap().to_did(), did);
}

/// The signature rule's edge cases (docs/protocol.md, "Identities"): ZIP-215 and no small-order
/// authors. Built from the key of seed [0x21; 32] (secret scalar `a`), `r` = 0x33…33 reduced, and
/// the order-8 torsion point T = c7176a70…ac037a, with `s = r + H(R, A, M)·a`:
/// valid: RFC 8032 §7.1 test 1; R = rB + T; R = the identity written non-canonically (y = p + 1,
/// `s = H(R, A, M)·a`); A = aB + T; a plain one whose `s` is then taken plus the group order `l`.
/// Invalid: that `s + l` (ZIP-215 wants `s < l`), a flipped bit of `s`, and small-order keys
/// (the identity; y = p + 1 again) with `s = 0`, which ZIP-215 alone would accept for any message.
const SIGNATURE_RULE_VECTORS: [(&str, &[u8], &str, bool); 9] = [
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", b"",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b", true),
    ("884b8857f4eaa1613c61504db34d4beaf346517a0e31de3cddd4d9b4201d9d0b", b"amorph zip215: R with a torsion component",
     "84570228f8827d84572ce7c4246998b8a8548f9f25ab763f1c0aa545381e69a57e4322f11223f7cb8c48beeb74343a69e60f291e8b281f3274a0e66bc12fec01", true),
    ("884b8857f4eaa1613c61504db34d4beaf346517a0e31de3cddd4d9b4201d9d0b", b"amorph zip215: non-canonical identity as R",
     "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7ffb67d8e9997d6b4db7062bf5ca7bac67d25773a329be3ec30f42688cb6230009", true),
    ("4961e129e3c9a9b5bf857f55f3647e29237858b11bf4165be4909b523fe1b036", b"amorph zip215: key with a torsion component",
     "65892814b0a9bee7ade5ad675c62284ea7e249fba0fcd65fafa007d33817d66a47b0d3770ab498956669cc561724fa17d060b48adb17c7ea72ee2439d9101b0b", true),
    ("884b8857f4eaa1613c61504db34d4beaf346517a0e31de3cddd4d9b4201d9d0b", b"amorph zip215: s not reduced",
     "65892814b0a9bee7ade5ad675c62284ea7e249fba0fcd65fafa007d33817d66ac39e7288f9c1ed6a118ced1347352fbdd45316ad7e1b7a7e25cbd64baf4c560b", true),
    ("884b8857f4eaa1613c61504db34d4beaf346517a0e31de3cddd4d9b4201d9d0b", b"amorph zip215: s not reduced",
     "65892814b0a9bee7ade5ad675c62284ea7e249fba0fcd65fafa007d33817d66ab07268e5132500c3e728e5b6252f0ed2d45316ad7e1b7a7e25cbd64baf4c561b", false),
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", b"",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100a", false),
    ("0100000000000000000000000000000000000000000000000000000000000000", b"amorph zip215: small-order key",
     "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", false),
    ("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", b"amorph zip215: small-order key",
     "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc050000000000000000000000000000000000000000000000000000000000000000", false),
];

fn rule_vectors() -> Vec<(PeerId, &'static [u8], [u8; 64], bool)> {
    let bytes = |text: &str| hex::decode(text).unwrap();
    SIGNATURE_RULE_VECTORS
        .iter()
        .map(|(key, message, signature, valid)| {
            (PeerId(bytes(key).try_into().unwrap()), *message, bytes(signature).try_into().unwrap(), *valid)
        })
        .collect()
}

#[test]
fn single_and_batch_verification_accept_exactly_the_same_signatures() {
    let vectors = rule_vectors();
    let checks: Vec<SignatureCheck> = vectors
        .iter()
        .map(|(author, message, signature, _)| SignatureCheck { author: *author, message, signature })
        .collect();
    let expected: Vec<bool> = vectors.iter().map(|v| v.3).collect();
    let single: Vec<bool> =
        vectors.iter().map(|(author, message, signature, _)| author.verify(message, signature).is_ok()).collect();
    assert_eq!(single, expected, "one by one");
    assert_eq!(verify_each(&checks), expected, "in one batch, with bad ones among them");
    let valid: Vec<SignatureCheck> = checks.iter().zip(&expected).filter(|(_, v)| **v).map(|(c, _)| *c).collect();
    assert!(verify_each(&valid).iter().all(|v| *v), "the valid ones in a batch of their own");
    for (check, valid) in checks.iter().zip(&expected) {
        assert_eq!(verify_each(&[*check, *check]), vec![*valid; 2], "{}", hex::encode(check.signature));
    }
    // What changed from ed25519-dalek's `verify_strict`: it refuses the torsion and non-canonical cases.
    for (author, message, signature, _) in &vectors[1..4] {
        let key = ed25519_dalek::VerifyingKey::from_bytes(&author.0).unwrap();
        assert!(key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature)).is_err());
    }
}

/// A requester and a worker complete two tasks, one accepted and one rejected.
fn golden_history() -> Vec<amorph_core::events::SignedEvent> {
    let (a, b) = (identity(1), identity(2));
    let first = signed(&a, 11, T0, post("translation", "Traduire « bonjour » 🌍"));
    let second = signed(&a, 11, T0 + 100, post("math", "2+2"));
    let r1 = signed(&b, 22, T0 + 20, submit(first.id, "hello"));
    let r2 = signed(&b, 22, T0 + 120, submit(second.id, "5"));
    vec![
        signed(&b, 22, T0 + 10, claim(first.id)),
        signed(&a, 11, T0 + 30, accept(first.id, r1.id)),
        signed(&b, 22, T0 + 110, claim(second.id)),
        signed(&a, 11, T0 + 130, reject(second.id, r2.id)),
        first,
        second,
        r1,
        r2,
    ]
}

/// A funded swarm: one task settled, one rejected and decided by a jury after a dispute (jurors
/// with standing from earlier tasks), a transfer and heartbeats — every part of the fold that
/// computes numbers (splits, stakes, EMA, decay, jury fees).
fn golden_economy() -> Chronicle {
    let mut c = Chronicle::default();
    let (requester, worker) = (identity(2), identity(3));
    let jurors = [identity(4), identity(5), identity(6)];
    for who in [&requester, &worker].into_iter().chain(&jurors) {
        c.fund(who, 1_000);
    }
    for juror in &jurors {
        c.complete(&requester, juror, terms("review", 7));
    }
    c.complete(&requester, &worker, terms("translation", 101));
    let task = c.next(&requester, posted(terms("math", 33)));
    c.next(&worker, staked(task, 4));
    let submission = c.next(&worker, submit(task, "5"));
    c.next(&requester, reject(task, submission));
    let case = c.next(&worker, dispute(task, submission));
    c.next(&jurors[0], vote(task, case, true));
    c.next(&jurors[1], vote(task, case, false));
    c.next(&jurors[2], vote(task, case, true));
    c.next(&worker, transfer(requester.peer_id(), 9));
    c.next(&worker, heartbeat(1));
    c
}

#[test]
fn event_ids_and_views_are_the_same_on_every_platform() {
    let events = golden_history();
    assert_eq!(events[4].id.to_hex(), GOLDEN_FIRST_TASK_ID);
    let economy = golden_economy();
    let views = economy.views();
    assert_eq!(views.board.len(), 5);
    assert!(views.ignored.is_empty(), "every golden event takes effect: {:?}", views.ignored);
    let disputed = &views.board[0];
    assert_eq!(disputed.jury.as_ref().and_then(|j| j.verdict), Some(true), "the jury decides the dispute");
    assert_eq!(hex::encode(Sha256::digest(views.encode())), GOLDEN_VIEWS_SHA256);
}

#[test]
fn two_stores_sync_to_the_same_views() {
    let genesis = genesis_by(&identity(9), 9);
    let mut left = EventStore::new(1, &genesis).unwrap();
    let mut right = EventStore::new(2, &genesis).unwrap();
    let (a, b) = (identity(1), identity(2));
    let (task, _) = left.publish(&a, T0, post("x", "Sync me")).unwrap();
    let (_, update) = right.publish(&b, T0 + 1, claim(task.id)).unwrap();
    let step1 = right.sync_step1();
    let outcome = left.handle_message(b.peer_id(), &step1, T0 + 2);
    for reply in outcome.replies {
        assert_eq!(right.handle_message(a.peer_id(), &reply, T0 + 3).rejected, 0);
    }
    assert_eq!(left.handle_message(b.peer_id(), &update, T0 + 4).added, 1);
    let views = |store: &EventStore| Economy::derive(store.genesis(), store.events()).unwrap().encode();
    assert_eq!(views(&left), views(&right));
    assert_eq!(left.len(), 3, "the genesis and two events");
}

/// Pinned when protocol v1 was written. A change of the id is a wire-format change: every stored
/// event would get a new id; bump the signing context in `wire.rs` instead of editing it. The views
/// hash pins the economy's rules and figures: change it only with a rule change, on purpose.
const GOLDEN_FIRST_TASK_ID: &str = "5b46606da0f54e27d1241f5c3bdd1244b9fe7cbe604635c2d72263f53ec5d7a9";
const GOLDEN_VIEWS_SHA256: &str = "e1beea60178207089f327a039f9969a93b034aff20ec8fcbbc3fe7e7b278458a";
