//! The event store: a yrs document used as a grow-only set of signed events, synced with the
//! y-protocols sync messages (step 1, step 2, update) of yrs's own `sync` module.
//!
//! Every remote update passes `entry_update::parse` (only new entries of the `events` map) and
//! event admission (signature, fields, timestamp, key = event id, replica bound to its author)
//! before yrs sees it; the signatures of an update's entries are checked in batches. What fails is never integrated and is counted against the peer that sent it.
//! Sans-IO: the adapter passes in bytes, the sending peer and the time, and sends what comes back.

pub mod adversary;
pub mod compaction;
pub mod entry_update;

use std::collections::{BTreeMap, HashMap, HashSet};

use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Any, Doc, Map, MapRef, ReadTxn, StateVector, Transact, Update};

use crate::events::{Event, EventError, SignedEvent};
use crate::identity::{Identity, PeerId};
use crate::wire::EventId;
use entry_update::{Entry, EVENTS_MAP};

/// Largest sync message accepted from a peer (Chromium's data channels carry at most 256 KiB).
pub const MAX_SYNC_MESSAGE_BYTES: usize = 256 * 1024;
/// Outgoing sync messages are split to stay under this size.
pub const TARGET_MESSAGE_BYTES: usize = 64 * 1024;
/// Most entries one update may carry.
pub const MAX_ENTRIES_PER_UPDATE: usize = 4_096;
/// Admitted entries waiting for an earlier entry of their replica; beyond this the oldest are dropped
/// (they come again on the next sync round).
const MAX_WAITING: usize = 4_096;
/// Yjs client ids are 53-bit so that JavaScript peers can hold them.
const REPLICA_MASK: u64 = (1 << 53) - 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("the stored event log could not be read: {0}")]
    CorruptSnapshot(String),
    #[error("the swarm's first event must be a genesis naming no swarm, on a 53-bit replica")]
    NotAGenesis,
}

/// What the adapter must do after `handle_message`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Send these back on the link the message came from, in order.
    pub replies: Vec<Vec<u8>>,
    /// Send these on every other open link: newly admitted events, so they spread past this peer.
    pub forward: Vec<Vec<u8>>,
    /// Events newly in the store.
    pub added: usize,
    /// Entries or messages refused (also counted against the sender).
    pub rejected: usize,
    /// The first refusal's reason, for logs and the UI.
    pub error: Option<String>,
}

pub struct EventStore {
    genesis: SignedEvent,
    doc: Doc,
    map: MapRef,
    replica: u64,
    events: BTreeMap<EventId, SignedEvent>,
    /// Admitted but not yet integrated (an earlier entry of the same replica is still missing).
    waiting: Vec<SignedEvent>,
    replica_owners: HashMap<u64, PeerId>,
    rejected_by_sender: BTreeMap<PeerId, u64>,
    rejected_total: u64,
    /// The adopted checkpoint and one being received (`compaction`).
    compaction: compaction::State,
}

impl EventStore {
    /// A new store of the swarm founded by `genesis`, holding only the genesis. `replica` must be
    /// fresh entropy for every page load (a yrs client id).
    ///
    /// Every peer seeds its document with the genesis as the same yrs item (the founder's replica,
    /// clock 0), so the genesis never travels twice and all documents agree on it.
    pub fn new(replica: u64, genesis: &SignedEvent) -> Result<Self, StoreError> {
        let founds = matches!(genesis.event, Event::Genesis(_)) && genesis.envelope.swarm == EventId::NONE;
        if !founds || genesis.envelope.replica & !REPLICA_MASK != 0 {
            return Err(StoreError::NotAGenesis);
        }
        let replica = replica & REPLICA_MASK;
        let doc = Doc::with_client_id(replica);
        let map = doc.get_or_insert_map(EVENTS_MAP);
        let seed = entry_update::encode(&[Entry {
            client: genesis.envelope.replica,
            clock: 0,
            key: genesis.id.to_hex(),
            value: genesis.encode(),
        }]);
        let seeded = Update::decode_v1(&seed).map_err(|_| StoreError::NotAGenesis)?;
        doc.transact_mut().apply_update(seeded).map_err(|_| StoreError::NotAGenesis)?;
        Ok(EventStore {
            genesis: genesis.clone(),
            doc,
            map,
            replica,
            events: BTreeMap::new(),
            waiting: Vec::new(),
            replica_owners: HashMap::new(),
            rejected_by_sender: BTreeMap::new(),
            rejected_total: 0,
            compaction: compaction::State::default(),
        }
        .with_event(genesis.clone()))
    }

    fn with_event(mut self, event: SignedEvent) -> Self {
        self.replica_owners.insert(event.envelope.replica, event.author());
        self.events.insert(event.id, event);
        self
    }

    /// Rebuilds a store from `snapshot()`. Entries that no longer pass admission are dropped, the rest kept.
    pub fn restore(replica: u64, genesis: &SignedEvent, snapshot: &[u8], now_ms: u64) -> Result<Self, StoreError> {
        let mut store = EventStore::new(replica, genesis)?;
        let entries =
            entry_update::parse(snapshot, usize::MAX).map_err(|e| StoreError::CorruptSnapshot(e.to_string()))?;
        let mut outcome = SyncOutcome::default();
        store.admit_entries(None, entries, now_ms, &mut outcome);
        Ok(store)
    }

    /// The whole document as one yrs update, for persistence.
    pub fn snapshot(&self) -> Vec<u8> {
        self.doc.transact().encode_state_as_update_v1(&StateVector::default())
    }

    /// The event that founded this store's swarm.
    pub fn genesis(&self) -> &SignedEvent {
        &self.genesis
    }

    pub fn replica(&self) -> u64 {
        self.replica
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Admitted events in id order.
    pub fn events(&self) -> impl Iterator<Item = &SignedEvent> {
        self.events.values()
    }

    pub fn get(&self, id: &EventId) -> Option<&SignedEvent> {
        self.events.get(id)
    }

    pub fn rejected_total(&self) -> u64 {
        self.rejected_total
    }

    pub fn rejected_by_sender(&self) -> &BTreeMap<PeerId, u64> {
        &self.rejected_by_sender
    }

    /// Signs and stores a new event of ours; returns it and the sync message to send on every link.
    pub fn publish(
        &mut self,
        identity: &Identity,
        now_ms: u64,
        event: Event,
    ) -> Result<(SignedEvent, Vec<u8>), EventError> {
        let signed = SignedEvent::create(identity, self.genesis.id, self.replica, now_ms, event)?;
        let clock = self.doc.transact().state_vector().get(&yrs::block::ClientID::new(self.replica));
        {
            let mut txn = self.doc.transact_mut();
            self.map.insert(&mut txn, signed.id.to_hex(), Any::Buffer(signed.encode().into()));
        }
        // The event as one new entry, not a diff of the document: after a compaction the document
        // holds GC ranges, which a diff would carry and peers refuse (the log is append-only).
        let entry = Entry { client: self.replica, clock, key: signed.id.to_hex(), value: signed.encode() };
        let update = entry_update::encode(&[entry]);
        self.replica_owners.insert(self.replica, signed.author());
        self.events.insert(signed.id, signed.clone());
        Ok((signed, sync_message(SyncMessage::Update(update))))
    }

    /// The opening message on a new link: our state vector.
    pub fn sync_step1(&self) -> Vec<u8> {
        sync_message(SyncMessage::SyncStep1(self.doc.transact().state_vector()))
    }

    /// One message from the peer `from` on a link.
    pub fn handle_message(&mut self, from: PeerId, message: &[u8], now_ms: u64) -> SyncOutcome {
        let mut outcome = SyncOutcome::default();
        if message.len() > MAX_SYNC_MESSAGE_BYTES {
            self.refuse(
                Some(from),
                format!("sync message of {} bytes exceeds {MAX_SYNC_MESSAGE_BYTES}", message.len()),
                &mut outcome,
            );
            return outcome;
        }
        match Message::decode_v1(message) {
            Ok(Message::Sync(SyncMessage::SyncStep1(remote))) => outcome.replies = self.sync_replies(&remote),
            Ok(Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update))) => {
                match entry_update::parse(&update, MAX_ENTRIES_PER_UPDATE) {
                    Ok(entries) => {
                        let admitted = self.admit_entries(Some(from), entries, now_ms, &mut outcome);
                        outcome.forward = chunked(&admitted, false);
                    }
                    Err(e) => self.refuse(Some(from), e.to_string(), &mut outcome),
                }
            }
            Ok(Message::Custom(compaction::MSG_CHECKPOINT, part)) => {
                self.handle_checkpoint(from, &part, now_ms, &mut outcome)
            }
            Ok(_) => self.refuse(Some(from), "unsupported y-protocols message".into(), &mut outcome),
            Err(e) => self.refuse(Some(from), format!("undecodable sync message: {e}"), &mut outcome),
        }
        outcome
    }

    fn refuse(&mut self, from: Option<PeerId>, why: String, outcome: &mut SyncOutcome) {
        outcome.rejected += 1;
        outcome.error.get_or_insert(why);
        if let Some(peer) = from {
            self.rejected_total += 1;
            *self.rejected_by_sender.entry(peer).or_default() += 1;
        }
    }

    /// Runs admission on parsed entries, integrates the good ones and returns them (as sent on).
    /// The entries' signatures are checked in batches first; every other rule below depends on the
    /// entries before it, so it runs in order.
    fn admit_entries(
        &mut self,
        from: Option<PeerId>,
        entries: Vec<Entry>,
        now_ms: u64,
        outcome: &mut SyncOutcome,
    ) -> Vec<Entry> {
        let known = self.doc.transact().state_vector();
        let entries: Vec<Entry> = entries
            .into_iter()
            .filter(|entry| entry.clock >= known.get(&yrs::block::ClientID::new(entry.client & REPLICA_MASK)))
            .collect();
        let values: Vec<&[u8]> = entries.iter().map(|entry| entry.value.as_slice()).collect();
        let verdicts = SignedEvent::admit_all(&values, now_ms);
        let mut next_clock: HashMap<u64, u32> = HashMap::new();
        let mut broken: HashSet<u64> = HashSet::new();
        let mut admitted: Vec<Entry> = Vec::new();
        let mut admitted_events: Vec<SignedEvent> = Vec::new();
        let mut admitted_ids: HashSet<EventId> = HashSet::new();
        for (entry, verdict) in entries.into_iter().zip(verdicts) {
            if broken.contains(&entry.client) {
                continue;
            }
            if let Some(expected) = next_clock.get(&entry.client) {
                if *expected != entry.clock {
                    broken.insert(entry.client);
                    continue;
                }
            }
            let verdict = verdict.map_err(|e| format!("event {}: {e}", short_key(&entry.key)));
            if verdict.as_ref().is_ok_and(|event| self.holds_entry(&entry, event)) {
                // Stored already, ahead of an earlier entry of its replica that we lacked: a sync
                // reply sends it again with that earlier entry. A repeat, not misbehaviour.
                next_clock.insert(entry.client, entry.clock + 1);
                continue;
            }
            match verdict.and_then(|event| self.check_entry(&entry, event, &admitted_ids)) {
                Ok(event) => {
                    next_clock.insert(entry.client, entry.clock + 1);
                    self.replica_owners.entry(entry.client).or_insert(event.author());
                    admitted_ids.insert(event.id);
                    admitted_events.push(event);
                    admitted.push(entry);
                }
                Err(why) => {
                    // Later entries of this replica would depend on the refused one: drop them too.
                    broken.insert(entry.client);
                    self.refuse(from, why, outcome);
                }
            }
        }
        if !admitted.is_empty() {
            let update = entry_update::encode(&admitted);
            let applied = Update::decode_v1(&update)
                .map_err(|e| e.to_string())
                .and_then(|u| self.doc.transact_mut().apply_update(u).map_err(|e| e.to_string()));
            if let Err(e) = applied {
                self.refuse(from, format!("yrs refused the update: {e}"), outcome);
                return Vec::new();
            }
        }
        self.waiting.extend(admitted_events);
        outcome.added += self.settle_waiting();
        admitted
    }

    /// Is `event` stored already under this very entry (same key, on its own replica)? Its id
    /// hashes the replica, so a stored event with this id sits on `entry`'s replica.
    fn holds_entry(&self, entry: &Entry, event: &SignedEvent) -> bool {
        self.events.contains_key(&event.id) && event.id.to_hex() == entry.key && event.envelope.replica == entry.client
    }

    /// The store's rules for an admitted event in `entry`, given the ids admitted before it in
    /// the same update.
    fn check_entry(&self, entry: &Entry, event: SignedEvent, batch: &HashSet<EventId>) -> Result<SignedEvent, String> {
        if event.envelope.swarm != self.genesis.id {
            return Err(format!("event {}: {}", short_key(&entry.key), EventError::OtherSwarm));
        }
        if event.id.to_hex() != entry.key {
            return Err(format!("entry key {} is not the id of its event", short_key(&entry.key)));
        }
        if event.envelope.replica != entry.client {
            return Err(format!("event {} was inserted by another replica than its author's", short_key(&entry.key)));
        }
        if let Some(owner) = self.replica_owners.get(&entry.client) {
            if *owner != event.author() {
                return Err(format!("replica {} belongs to another author", entry.client));
            }
        }
        let already = self.events.contains_key(&event.id)
            || batch.contains(&event.id)
            || self.waiting.iter().any(|e| e.id == event.id)
            || self.map.get(&self.doc.transact(), &entry.key).is_some();
        if already {
            return Err(format!("event {} is already stored under another entry", short_key(&entry.key)));
        }
        Ok(event)
    }

    /// Moves waiting events whose entries yrs has integrated into the event set.
    fn settle_waiting(&mut self) -> usize {
        let txn = self.doc.transact();
        let (present, still): (Vec<_>, Vec<_>) =
            self.waiting.drain(..).partition(|e| self.map.get(&txn, &e.id.to_hex()).is_some());
        drop(txn);
        self.waiting = still;
        if self.waiting.len() > MAX_WAITING {
            let excess = self.waiting.len() - MAX_WAITING;
            self.waiting.drain(..excess);
        }
        let added = present.len();
        for event in present {
            self.events.insert(event.id, event);
        }
        added
    }

    /// What the remote lacks, as sync messages of bounded size.
    fn diff_messages(&self, remote: &StateVector, step2: bool) -> Vec<Vec<u8>> {
        let diff = self.doc.transact().encode_diff_v1(remote);
        // Our own document only ever holds admitted entries (and, compacted, GC ranges), so it parses.
        let entries = entry_update::parse_local(&diff).unwrap_or_default();
        let mut messages = chunked(&entries, step2);
        if messages.is_empty() && step2 {
            messages.push(sync_message(SyncMessage::SyncStep2(entry_update::encode(&[]))));
        }
        messages
    }
}

fn chunked(entries: &[Entry], step2: bool) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut start = 0;
    let mut size = 0;
    for (i, entry) in entries.iter().enumerate() {
        let entry_size = entry.value.len() + entry.key.len() + 24;
        if i > start && (size + entry_size > TARGET_MESSAGE_BYTES || i - start >= MAX_ENTRIES_PER_UPDATE) {
            messages.push(update_message(&entries[start..i], step2));
            start = i;
            size = 0;
        }
        size += entry_size;
    }
    if start < entries.len() {
        messages.push(update_message(&entries[start..], step2));
    }
    messages
}

fn update_message(entries: &[Entry], step2: bool) -> Vec<u8> {
    let update = entry_update::encode(entries);
    sync_message(if step2 { SyncMessage::SyncStep2(update) } else { SyncMessage::Update(update) })
}

fn sync_message(message: SyncMessage) -> Vec<u8> {
    Message::Sync(message).encode_v1()
}

fn short_key(key: &str) -> String {
    key.chars().take(12).collect()
}
