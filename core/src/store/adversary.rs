//! Hostile sync messages, as a misbehaving peer would send them. Used by the scenario tests and by
//! the browser tests' `?test-hooks` page; honest code paths never call these.

use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Any, Doc, Map, ReadTxn, StateVector, Transact, Update};

use super::entry_update::EVENTS_MAP;
use super::EventStore;
use crate::events::{Event, SignedEvent, TaskPosted};
use crate::identity::Identity;
use crate::wire::{EventId, Signature};

fn bogus_task(title: &str, now_ms: u64) -> Event {
    Event::TaskPosted(TaskPosted::simple(title, "injected by a hostile peer", "mischief", 1, now_ms + 3_600_000))
}

fn replica_for(now_ms: u64, salt: u64) -> u64 {
    (now_ms.rotate_left(17) ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)) & ((1 << 53) - 1)
}

/// A well-formed task whose signature is broken, inserted as a fresh entry: fails signature checks.
pub fn forged_event_message(store: &EventStore, identity: &Identity, now_ms: u64) -> Vec<u8> {
    let replica = replica_for(now_ms, 1);
    let swarm = store.genesis().id;
    let mut envelope = SignedEvent::create(identity, swarm, replica, now_ms, bogus_task("forged task", now_ms))
        .map(|e| e.envelope)
        .expect("a fixed valid event is valid");
    envelope.signature = Signature([7; 64]);
    let doc = Doc::with_client_id(replica);
    let map = doc.get_or_insert_map(EVENTS_MAP);
    map.insert(&mut doc.transact_mut(), envelope.id().to_hex(), Any::Buffer(envelope.encode().into()));
    let update = doc.transact().encode_state_as_update_v1(&StateVector::default());
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

/// Replaces the stored event `target` with another (validly signed) event under the same key.
/// `None` when the store does not hold `target`.
pub fn overwrite_message(store: &EventStore, target: EventId, identity: &Identity, now_ms: u64) -> Option<Vec<u8>> {
    store.get(&target)?;
    let replica = replica_for(now_ms, 2);
    let doc = Doc::with_client_id(replica);
    let map = doc.get_or_insert_map(EVENTS_MAP);
    let copy = Update::decode_v1(&store.snapshot()).ok()?;
    doc.transact_mut().apply_update(copy).ok()?;
    let before = doc.transact().state_vector();
    let task = bogus_task("overwritten task", now_ms);
    let replacement = SignedEvent::create(identity, store.genesis().id, replica, now_ms, task).ok()?;
    map.insert(&mut doc.transact_mut(), target.to_hex(), Any::Buffer(replacement.encode().into()));
    let update = doc.transact().encode_diff_v1(&before);
    Some(Message::Sync(SyncMessage::Update(update)).encode_v1())
}
