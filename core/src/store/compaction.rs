//! Compaction of the event store: settled history replaced by a content-addressed checkpoint
//! (`economy::Checkpoint`), so that the stored bytes stay bounded by the live history.
//!
//! Owns the store's side: making a checkpoint and its signed `Compacted` event (issuers only),
//! adopting one (checked against our own history when we hold it, trusted from an issuer's
//! signature when we do not), the new yrs document holding only what the checkpoint does not cover,
//! carrying the checkpoint to peers in bounded parts, and persistence. Never lets a remote peer
//! delete anything: entries are dropped only by a local call (`compact`, `drop_covered`), and peer
//! updates still pass the same whitelist (`entry_update::parse`).
//!
//! # The document after compaction
//! yrs items are numbered per replica (client id, clock) and a document cannot hold clock n of a
//! replica without clocks 0..n. Deleting entries from the old document leaves a tombstone per entry
//! (its key and ids; measured in docs/benchmarks.md, "Compaction"), so the store instead starts a
//! fresh document: the genesis (as every store seeds it), then per replica one GC range over the
//! covered prefix of its clocks (`Checkpoint::floors`), then the entries it keeps. A replica's
//! floor is the clock of its first entry not covered by the checkpoint (or its end, when all are),
//! so every peer holding the same entries computes the same floors, and a peer that restores the
//! checkpoint can integrate the entries above them that others send.
//!
//! # Trust (docs/protocol.md, "Compaction")
//! A checkpoint is adopted only when an issuer of the genesis signed a `Compacted` event naming its
//! SHA-256. A store that holds covered history folds it again and adopts only an identical
//! checkpoint (else it refuses the checkpoint and counts it against the peer that sent it); a store
//! without that history trusts the issuer (weak subjectivity).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use yrs::encoding::write::Write;
use yrs::sync::Message;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use super::entry_update::{self, Entry, EVENTS_MAP};
use super::{EventStore, StoreError, SyncOutcome, REPLICA_MASK};
use crate::economy::{Checkpoint, CheckpointError, Economy, EconomyError, MAX_CHECKPOINT_BYTES};
use crate::events::{Compacted, Event, SignedEvent};
use crate::identity::{Identity, PeerId};
use crate::wire::EventId;

/// y-protocols message tag of a checkpoint part (a custom tag, unused by Yjs).
pub const MSG_CHECKPOINT: u8 = 65;
/// Checkpoint bytes per part: a part fits a sync message with room to spare.
pub const PART_BYTES: usize = 60 * 1024;
/// Most parts a checkpoint may have (`MAX_CHECKPOINT_BYTES` in `PART_BYTES` parts).
pub const MAX_PARTS: u32 = MAX_CHECKPOINT_BYTES.div_ceil(PART_BYTES) as u32;

/// Why compaction could not go on (a local call's failure, never a peer's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompactionError {
    #[error("only the genesis's issuers may sign a checkpoint")]
    NotIssuer,
    #[error("{0}")]
    Economy(#[from] EconomyError),
    #[error("{0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the checkpoint could not be signed: {0}")]
    Sign(String),
    #[error("the compacted document could not be built: {0}")]
    Document(String),
    #[error("the stored checkpoint is not usable: {0}")]
    Stored(String),
}

/// What `compact` made: the signed `Compacted` event, and the messages to send on every link.
#[derive(Debug, Clone)]
pub struct Compaction {
    pub event: SignedEvent,
    pub messages: Vec<Vec<u8>>,
}

/// The checkpoint a store has adopted, with the issuer's event that names it.
#[derive(Debug, Clone)]
pub struct Epoch {
    pub checkpoint: Checkpoint,
    pub id: [u8; 32],
    pub compacted: SignedEvent,
    blob: Vec<u8>,
}

/// Compaction state kept by `EventStore`.
#[derive(Debug, Default)]
pub(super) struct State {
    epoch: Option<Epoch>,
    /// Parts of the checkpoint being received: the naming event's id, then part number → bytes.
    assembly: Option<(EventId, BTreeMap<u32, Vec<u8>>)>,
    /// Checkpoints refused (hash mismatch, not by an issuer, too large, not our history…).
    refused: u64,
}

/// One part of a checkpoint on the wire: the issuer's `Compacted` event and bytes `index` of `count`.
#[derive(Serialize, Deserialize)]
struct Part {
    compacted: Vec<u8>,
    index: u32,
    count: u32,
    bytes: Vec<u8>,
}

/// The persisted form of an adopted checkpoint: the issuer's event and the checkpoint bytes.
#[derive(Serialize, Deserialize)]
struct Stored {
    compacted: Vec<u8>,
    checkpoint: Vec<u8>,
}

impl EventStore {
    /// The adopted checkpoint, if any.
    pub fn epoch(&self) -> Option<&Epoch> {
        self.compaction.epoch.as_ref()
    }

    /// Checkpoints refused so far (also counted per sender in `rejected_by_sender`).
    pub fn checkpoints_refused(&self) -> u64 {
        self.compaction.refused
    }

    /// The economy of this store: from the adopted checkpoint (if any) and the events it does not cover.
    pub fn economy(&self) -> Result<Economy, EconomyError> {
        let checkpoint = self.epoch().map(|epoch| &epoch.checkpoint);
        Economy::fold_from(&self.genesis, checkpoint, self.events.values(), false)
    }

    /// Issuers only: checkpoints the settled history (`Economy::settled_horizon`), signs a
    /// `Compacted` event naming it, adopts it and drops the entries it covers. Returns the event
    /// and the messages to send on every link (the event, then the checkpoint's parts), or `None`
    /// when nothing new is settled.
    pub fn compact(&mut self, issuer: &Identity, now_ms: u64) -> Result<Option<Compaction>, CompactionError> {
        let Event::Genesis(rules) = &self.genesis.event else { return Err(CompactionError::NotIssuer) };
        if !rules.issuers.contains(&issuer.peer_id()) {
            return Err(CompactionError::NotIssuer);
        }
        let base = self.epoch().map(|epoch| epoch.checkpoint.clone());
        let Some(horizon_ms) = self.economy()?.settled_horizon() else { return Ok(None) };
        let mut checkpoint = Economy::checkpoint_at(&self.genesis, base.as_ref(), self.events.values(), horizon_ms)?;
        if base.as_ref().is_some_and(|base| base.last >= checkpoint.last) {
            return Ok(None);
        }
        checkpoint.floors = self.floors(&checkpoint);
        let blob = checkpoint.encode();
        let body = Compacted { horizon_ms: checkpoint.horizon_ms, checkpoint: Sha256::digest(&blob).into() };
        let (compacted, update) =
            self.publish(issuer, now_ms, Event::Compacted(body)).map_err(|e| CompactionError::Sign(e.to_string()))?;
        let epoch = Epoch { id: Sha256::digest(&blob).into(), checkpoint, compacted: compacted.clone(), blob };
        let mut messages = vec![update];
        messages.extend(parts(&epoch));
        self.compaction.epoch = Some(epoch);
        self.drop_covered()?;
        Ok(Some(Compaction { event: compacted, messages }))
    }

    /// Drops the entries the adopted checkpoint covers: a fresh document with the genesis, the
    /// checkpoint's floors and every entry above them. Our own events are kept whatever their time.
    pub fn drop_covered(&mut self) -> Result<(), CompactionError> {
        let Some(epoch) = self.compaction.epoch.as_ref() else { return Ok(()) };
        let floors = epoch.checkpoint.floors.clone();
        let entries =
            entry_update::parse_local(&self.snapshot()).map_err(|e| CompactionError::Document(e.to_string()))?;
        let genesis_at = (self.genesis.envelope.replica, 0);
        let kept: Vec<Entry> = entries
            .into_iter()
            .filter(|e| (e.client, e.clock) != genesis_at && e.clock >= floors.get(&e.client).copied().unwrap_or(0))
            .collect();
        let doc = Doc::with_client_id(self.replica);
        let map = doc.get_or_insert_map(EVENTS_MAP);
        let seed = entry_update::encode(&[Entry {
            client: self.genesis.envelope.replica,
            clock: 0,
            key: self.genesis.id.to_hex(),
            value: self.genesis.encode(),
        }]);
        for update in [seed, gc_update(&floors, genesis_at.0), entry_update::encode(&kept)] {
            let update = Update::decode_v1(&update).map_err(|e| CompactionError::Document(e.to_string()))?;
            doc.transact_mut().apply_update(update).map_err(|e| CompactionError::Document(e.to_string()))?;
        }
        let mut events = BTreeMap::from([(self.genesis.id, self.genesis.clone())]);
        for entry in &kept {
            let known = EventId::from_hex(&entry.key).and_then(|id| self.events.get(&id).cloned());
            let event = match known {
                Some(event) => event,
                None => {
                    SignedEvent::admit(&entry.value, u64::MAX).map_err(|e| CompactionError::Document(e.to_string()))?
                }
            };
            events.insert(event.id, event);
        }
        self.doc = doc;
        self.map = map;
        self.events = events;
        // Entries waiting for an earlier one of their replica come again on the next sync round.
        self.waiting.clear();
        Ok(())
    }

    /// The adopted checkpoint as stored beside `snapshot()` (see `restore_compacted`).
    pub fn stored_checkpoint(&self) -> Option<Vec<u8>> {
        let epoch = self.epoch()?;
        postcard::to_stdvec(&Stored { compacted: epoch.compacted.encode(), checkpoint: epoch.blob.clone() }).ok()
    }

    /// Rebuilds a compacted store from `stored_checkpoint()` and `snapshot()`. The checkpoint is
    /// checked as one from a peer would be (issuer, hash), and every entry is admitted again.
    pub fn restore_compacted(
        replica: u64,
        genesis: &SignedEvent,
        stored: &[u8],
        snapshot: &[u8],
        now_ms: u64,
    ) -> Result<Self, StoreError> {
        let mut store = EventStore::new(replica, genesis)?;
        let corrupt = |why: String| StoreError::CorruptSnapshot(why);
        let stored: Stored = postcard::from_bytes(stored).map_err(|e| corrupt(e.to_string()))?;
        let epoch = store.check_checkpoint(&stored.compacted, stored.checkpoint, now_ms).map_err(corrupt)?;
        store.compaction.epoch = Some(epoch);
        store.drop_covered().map_err(|e| corrupt(e.to_string()))?;
        let entries = entry_update::parse_local(snapshot).map_err(|e| corrupt(e.to_string()))?;
        let mut outcome = SyncOutcome::default();
        store.admit_entries(None, entries, now_ms, &mut outcome);
        Ok(store)
    }

    /// Replies to a peer's step 1: the checkpoint's parts first when the peer lacks entries it
    /// covers (its state vector is below a floor), then what it lacks of the document.
    pub(super) fn sync_replies(&self, remote: &StateVector) -> Vec<Vec<u8>> {
        let mut replies = Vec::new();
        if let Some(epoch) = self.epoch() {
            let lacks = |(client, floor): (&u64, &u32)| remote.get(&yrs::block::ClientID::new(*client)) < *floor;
            if epoch.checkpoint.floors.iter().any(lacks) {
                replies.extend(parts(epoch));
            }
        }
        replies.extend(self.diff_messages(remote, true));
        replies
    }

    /// One checkpoint part from `from`. A complete, valid checkpoint is adopted and its parts are
    /// forwarded; anything wrong is refused and counted against `from`.
    pub(super) fn handle_checkpoint(&mut self, from: PeerId, data: &[u8], now_ms: u64, outcome: &mut SyncOutcome) {
        if let Err(why) = self.take_part(data, now_ms, outcome) {
            self.compaction.refused += 1;
            self.compaction.assembly = None;
            self.refuse(Some(from), why, outcome);
        }
    }

    fn take_part(&mut self, data: &[u8], now_ms: u64, outcome: &mut SyncOutcome) -> Result<(), String> {
        let part: Part = postcard::from_bytes(data).map_err(|e| format!("undecodable checkpoint part: {e}"))?;
        let (compacted, body) = self.issuer_compacted(&part.compacted, now_ms)?;
        if part.count == 0 || part.count > MAX_PARTS || part.index >= part.count || part.bytes.len() > PART_BYTES {
            return Err(format!(
                "checkpoint part {} of {} with {} bytes: at most {MAX_PARTS} parts of {PART_BYTES} bytes",
                part.index,
                part.count,
                part.bytes.len()
            ));
        }
        if self
            .epoch()
            .is_some_and(|epoch| epoch.id == body.checkpoint || epoch.checkpoint.horizon_ms >= body.horizon_ms)
        {
            return Ok(()); // already adopted, or older than ours: nothing to do, nothing wrong
        }
        let assembly = match &mut self.compaction.assembly {
            Some((id, parts)) if *id == compacted.id => parts,
            slot => &mut slot.insert((compacted.id, BTreeMap::new())).1,
        };
        assembly.insert(part.index, part.bytes);
        if assembly.len() < part.count as usize || assembly.keys().any(|&i| i >= part.count) {
            return Ok(());
        }
        let blob: Vec<u8> = assembly.values().flatten().copied().collect();
        self.compaction.assembly = None;
        let epoch = self.check_checkpoint(&part.compacted, blob, now_ms)?;
        self.verify_against_history(&epoch)?;
        let holds_history = self.holds_covered(&epoch.checkpoint);
        outcome.forward.extend(parts(&epoch));
        self.compaction.epoch = Some(epoch);
        if !holds_history {
            // Nothing of ours is covered: take the checkpoint's document shape (its floors) so that
            // the entries above them integrate.
            self.drop_covered().map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The `Compacted` event in `bytes` if it admits, belongs to this swarm and an issuer signed it.
    fn issuer_compacted(&self, bytes: &[u8], now_ms: u64) -> Result<(SignedEvent, Compacted), String> {
        let event = SignedEvent::admit(bytes, now_ms).map_err(|e| format!("checkpoint event: {e}"))?;
        let Event::Compacted(body) = &event.event else {
            return Err("a checkpoint part must carry a compacted event".into());
        };
        let Event::Genesis(rules) = &self.genesis.event else { return Err("no genesis".into()) };
        if event.envelope.swarm != self.genesis.id {
            return Err("checkpoint event of another swarm".into());
        }
        if !rules.issuers.contains(&event.author()) {
            return Err("checkpoint event not signed by an issuer of the genesis".into());
        }
        let body = body.clone();
        Ok((event, body))
    }

    /// A checkpoint named by an issuer's `Compacted` event: hash, codec, swarm, horizon, state.
    fn check_checkpoint(&self, compacted: &[u8], blob: Vec<u8>, now_ms: u64) -> Result<Epoch, String> {
        let (compacted, body) = self.issuer_compacted(compacted, now_ms)?;
        if blob.len() > MAX_CHECKPOINT_BYTES {
            return Err(format!("checkpoint of {} bytes exceeds {MAX_CHECKPOINT_BYTES}", blob.len()));
        }
        let id: [u8; 32] = Sha256::digest(&blob).into();
        if id != body.checkpoint {
            return Err("checkpoint bytes do not hash to what the compacted event names".into());
        }
        let checkpoint = Checkpoint::decode(&blob).map_err(|e| e.to_string())?;
        if checkpoint.genesis != self.genesis.id || checkpoint.horizon_ms != body.horizon_ms {
            return Err("checkpoint does not match its compacted event's swarm and horizon".into());
        }
        Economy::from_checkpoint(&self.genesis, &checkpoint).map_err(|e| e.to_string())?;
        Ok(Epoch { checkpoint, id, compacted, blob })
    }

    /// Does this store hold an event the checkpoint covers (other than the genesis)?
    fn holds_covered(&self, checkpoint: &Checkpoint) -> bool {
        let base = self.epoch().map(|epoch| &epoch.checkpoint);
        self.events.values().any(|e| {
            e.id != self.genesis.id
                && checkpoint.covers(e.timestamp_ms(), &e.id)
                && !base.is_some_and(|base| base.covers(e.timestamp_ms(), &e.id))
        })
    }

    /// When we hold covered history, the checkpoint must be the one we derive from it.
    fn verify_against_history(&self, epoch: &Epoch) -> Result<(), String> {
        if !self.holds_covered(&epoch.checkpoint) {
            return Ok(());
        }
        let base = self.epoch().map(|epoch| &epoch.checkpoint);
        let last = epoch.checkpoint.last;
        let covered = self.events.values().filter(|e| (e.timestamp_ms(), e.id) <= last);
        let mut ours = Economy::fold_from(&self.genesis, base, covered, false).map_err(|e| e.to_string())?.checkpoint();
        ours.floors = self.floors(&ours);
        if ours.id() != epoch.id {
            return Err("checkpoint does not match the history this peer holds".into());
        }
        Ok(())
    }

    /// Per replica, the clock of its first entry `checkpoint` does not cover (its end when it
    /// covers them all); only replicas with something covered are listed.
    fn floors(&self, checkpoint: &Checkpoint) -> BTreeMap<u64, u32> {
        let entries = entry_update::parse_local(&self.snapshot()).unwrap_or_default();
        let state = self.doc.transact().state_vector();
        let genesis_replica = self.genesis.envelope.replica;
        let mut by_replica: BTreeMap<u64, Vec<&Entry>> = BTreeMap::new();
        for entry in &entries {
            by_replica.entry(entry.client).or_default().push(entry);
        }
        // A replica whose entries an earlier compaction all dropped has only its GC range left: its
        // floor is its clock, as for a peer that still holds those entries.
        for (client, _) in state.iter() {
            by_replica.entry(client.get()).or_default();
        }
        let mut floors = BTreeMap::new();
        for (client, mut list) in by_replica {
            list.sort_by_key(|e| e.clock);
            let base = u32::from(client == genesis_replica);
            let covered = |e: &&Entry| {
                (e.client, e.clock) == (genesis_replica, 0)
                    || EventId::from_hex(&e.key)
                        .and_then(|id| self.events.get(&id))
                        .is_some_and(|ev| checkpoint.covers(ev.timestamp_ms(), &ev.id))
            };
            let floor = list
                .iter()
                .find(|e| !covered(e))
                .map_or(state.get(&yrs::block::ClientID::new(client & REPLICA_MASK)), |e| e.clock);
            if floor > base {
                floors.insert(client, floor);
            }
        }
        floors
    }
}

/// A v1 update of one GC range per replica, from its first clock (1 on the genesis's replica,
/// whose clock 0 is the genesis) to its floor.
fn gc_update(floors: &BTreeMap<u64, u32>, genesis_replica: u64) -> Vec<u8> {
    let ranges: Vec<(u64, u32, u32)> = floors
        .iter()
        .map(|(&client, &floor)| (client, u32::from(client == genesis_replica), floor))
        .filter(|(_, start, floor)| floor > start)
        .collect();
    let mut out = Vec::new();
    out.write_var(ranges.len() as u32);
    for (client, start, floor) in ranges {
        out.write_var(1u32);
        out.write_var(client);
        out.write_var(start);
        out.write_u8(0); // a GC block
        out.write_var(floor - start);
    }
    out.write_var(0u32);
    out
}

/// The checkpoint of `epoch` as sync messages, each one part.
fn parts(epoch: &Epoch) -> Vec<Vec<u8>> {
    let compacted = epoch.compacted.encode();
    let chunks: Vec<&[u8]> = if epoch.blob.is_empty() { vec![&[]] } else { epoch.blob.chunks(PART_BYTES).collect() };
    let count = chunks.len() as u32;
    chunks
        .into_iter()
        .enumerate()
        .map(|(index, bytes)| {
            let part = Part { compacted: compacted.clone(), index: index as u32, count, bytes: bytes.to_vec() };
            checkpoint_message(&postcard::to_stdvec(&part).unwrap_or_default())
        })
        .collect()
}

/// A checkpoint part as a y-protocols message (custom tag `MSG_CHECKPOINT`).
pub fn checkpoint_message(part: &[u8]) -> Vec<u8> {
    Message::Custom(MSG_CHECKPOINT, part.to_vec()).encode_v1()
}

/// A part of a checkpoint as a hostile or broken peer might send it: for tests.
pub fn forged_part(compacted: &SignedEvent, index: u32, count: u32, bytes: Vec<u8>) -> Vec<u8> {
    checkpoint_message(
        &postcard::to_stdvec(&Part { compacted: compacted.encode(), index, count, bytes }).unwrap_or_default(),
    )
}
