//! The same checks natively and in the browser (wasm32, run by wasm-bindgen-test in Chromium):
//! published test vectors, and golden values that pin the byte format and the derived views, so a
//! browser peer and a native relay can never disagree about an event id or a karma figure.

mod support;

use amorph_core::identity::{Identity, PeerId};
use amorph_core::store::EventStore;
use amorph_core::views::Views;
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

#[test]
fn event_ids_and_views_are_the_same_on_every_platform() {
    let events = golden_history();
    assert_eq!(events[4].id.to_hex(), GOLDEN_FIRST_TASK_ID);
    let views = Views::derive(&events);
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
    assert_eq!(Views::derive(left.events()).encode(), Views::derive(right.events()).encode());
    assert_eq!(left.len(), 3, "the genesis and two events");
}

/// Pinned when protocol v1 was written. A change here is a wire-format change: every stored event
/// would get a new id. Bump the signing context in `wire.rs` instead of editing these.
const GOLDEN_FIRST_TASK_ID: &str = "5b46606da0f54e27d1241f5c3bdd1244b9fe7cbe604635c2d72263f53ec5d7a9";
const GOLDEN_VIEWS_SHA256: &str = "21d966568044815d96264efd68a677cb36bcb4705bccca14b2ff85a96dac7ae9";
