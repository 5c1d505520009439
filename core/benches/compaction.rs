//! Compaction: what a peer stores as the benchmark history grows, with and without compaction.
//! Two peers receive the seeded mixed history (200 authors, each on its own yrs replica) in fold
//! order; one keeps everything, the other is the issuer and compacts (`EventStore::compact`) after
//! every tenth of the history. At each tenth it prints one JSON line: the full peer's snapshot, the
//! compacted peer's snapshot plus its checkpoint, the time to compact; at the end also the bytes the
//! full document would take with the covered entries deleted in place (yrs tombstones), and the time
//! to reload each peer (`EventStore::restore` / `restore_compacted`: every kept event admitted
//! again). Asserts nothing. See docs/benchmarks.md, "Compaction".
//!
//! A second run ("compaction_periodic") feeds the same history to a third peer, the issuer, which
//! compacts every `PERIOD` events; after each compaction it prints what the peer stores (snapshot
//! and checkpoint) and how many tasks the checkpoint holds. Each `Compacted` event archives the
//! tasks final by its horizon in the fold, so the checkpoint should stop growing once the history
//! is longer than the horizon's lag plus a period. `AMORPH_COMPACTION_RUN=periodic` (at run time)
//! runs only this one.
//!
//! `cargo bench -p amorph-core --bench compaction`

mod support;

use std::collections::BTreeMap;

use amorph_core::economy::Economy;
use amorph_core::events::{Event, SignedEvent};
use amorph_core::identity::Identity;
use amorph_core::store::entry_update::{self, Entry, EVENTS_MAP};
use amorph_core::store::EventStore;
use amorph_core::wire::EventId;
use serde_json::json;
use support::history;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, Map, ReadTxn, StateVector, Transact, Update};

const FULL: u64 = 0x5eed;
const COMPACTING: u64 = 0xc0de;
const BATCH: usize = 400;
const PERIODIC: u64 = 0xbeef;
/// Events between two compactions in the periodic run (≈ 2.8 simulated hours).
const PERIOD: usize = 5_000;

fn main() {
    let mut issuer: Option<Identity> = None;
    let mut sign = |who: &Identity, swarm: EventId, replica: u64, at: u64, event: Event| {
        if swarm == EventId::NONE {
            issuer = Some(who.clone());
        }
        SignedEvent::create(who, swarm, replica, at, event).expect("the generator makes valid events")
    };
    let history = history::generate(support::SEED, support::events(), &mut sign);
    let issuer = issuer.expect("the history starts with a genesis");
    let genesis = &history.genesis;
    periodic(&history, &issuer);
    if std::env::var("AMORPH_COMPACTION_RUN").is_ok_and(|run| run == "periodic") {
        return;
    }
    let mut full = EventStore::new(FULL, genesis).expect("a genesis");
    let mut compacting = EventStore::new(COMPACTING, genesis).expect("a genesis");
    let mut feed = Feed::new(genesis);
    let tenth = history.events.len().div_ceil(10);
    let sender = issuer.peer_id();
    let mut fed = 0;
    for step in history.events.chunks(tenth) {
        for batch in step.chunks(BATCH) {
            let message = feed.message(batch);
            let now = batch.last().map_or(history::T0, SignedEvent::timestamp_ms);
            full.handle_message(sender, &message, now);
            compacting.handle_message(sender, &message, now);
        }
        fed += step.len();
        let now = step.last().map_or(history::T0, SignedEvent::timestamp_ms) + 1;
        let start = support::now_ms();
        let compacted = compacting.compact(&issuer, now).expect("the issuer may compact");
        let compact_ms = support::now_ms() - start;
        // The Compacted event goes to the full peer too, as it would on a link.
        if let Some(compaction) = &compacted {
            full.handle_message(sender, &compaction.messages[0], now);
        }
        let full_bytes = full.snapshot().len();
        let checkpoint_bytes = compacting.stored_checkpoint().map_or(0, |c| c.len());
        let compacted_bytes = compacting.snapshot().len() + checkpoint_bytes;
        let epoch = compacting.epoch();
        let mut line = json!({
            "bench": "compaction",
            "command": support::command("-p amorph-core --bench compaction"),
            "opt_level": support::opt_level(),
            "events": fed,
            "hours": ((now - history::T0) as f64 / 3_600_000.0 * 10.0).round() / 10.0,
            "full_events": full.len(),
            "full_snapshot_bytes": full_bytes,
            "compacted_events": compacting.len(),
            "compacted_snapshot_bytes": compacting.snapshot().len(),
            "checkpoint_bytes": checkpoint_bytes,
            "compacted_total_bytes": compacted_bytes,
            "compacted_over_full": ((compacted_bytes as f64 / full_bytes as f64) * 1000.0).round() / 1000.0,
            "horizon_hours_behind": epoch.map(|e| ((now - e.checkpoint.horizon_ms) as f64 / 3_600_000.0 * 10.0).round() / 10.0),
            "floors": epoch.map_or(0, |e| e.checkpoint.floors.len()),
            "compact_ms": compact_ms.round(),
        });
        if fed == history.events.len() {
            line["tombstone_snapshot_bytes"] = json!(tombstones(&full, &compacting));
            let (stored, snapshot) = (compacting.stored_checkpoint().unwrap_or_default(), compacting.snapshot());
            line["restore_compacted_ms"] = json!(time(|| {
                EventStore::restore_compacted(7, genesis, &stored, &snapshot, now).map_or(0, |s| s.len())
            }));
            let snapshot = full.snapshot();
            line["restore_full_ms"] =
                json!(time(|| EventStore::restore(7, genesis, &snapshot, now).map_or(0, |s| s.len())));
        }
        println!("{line}");
    }
}

/// Events as the sync updates their authors' replicas would send: each entry at the next clock of
/// its replica (the genesis holds clock 0 of its own).
struct Feed {
    clocks: BTreeMap<u64, u32>,
}

impl Feed {
    fn new(genesis: &SignedEvent) -> Self {
        Feed { clocks: BTreeMap::from([(genesis.envelope.replica, 1)]) }
    }

    fn message(&mut self, events: &[SignedEvent]) -> Vec<u8> {
        let mut entries: Vec<Entry> = events
            .iter()
            .map(|e| {
                let clock = self.clocks.entry(e.envelope.replica).or_insert(0);
                *clock += 1;
                Entry { client: e.envelope.replica, clock: *clock - 1, key: e.id.to_hex(), value: e.encode() }
            })
            .collect();
        entries.sort_by_key(|e| (e.client, e.clock));
        Message::Sync(SyncMessage::Update(entry_update::encode(&entries))).encode_v1()
    }
}

/// The periodic run (module doc): compacts every `PERIOD` events, printing the stored bytes.
fn periodic(history: &history::History, issuer: &Identity) {
    let genesis = &history.genesis;
    let mut store = EventStore::new(PERIODIC, genesis).expect("a genesis");
    let mut feed = Feed::new(genesis);
    let sender = issuer.peer_id();
    let mut fed = 0;
    for step in history.events.chunks(PERIOD) {
        for batch in step.chunks(BATCH) {
            let message = feed.message(batch);
            let now = batch.last().map_or(history::T0, SignedEvent::timestamp_ms);
            store.handle_message(sender, &message, now);
        }
        fed += step.len();
        let now = step.last().map_or(history::T0, SignedEvent::timestamp_ms) + 1;
        let start = support::now_ms();
        let compacted = store.compact(issuer, now).expect("the issuer may compact");
        let compact_ms = support::now_ms() - start;
        let checkpoint_bytes = store.stored_checkpoint().map_or(0, |c| c.len());
        let checkpoint_tasks = store.epoch().map_or(0, |epoch| {
            Economy::from_checkpoint(genesis, &epoch.checkpoint).map_or(0, |economy| economy.market().tasks().count())
        });
        let views = store.economy().expect("the store's economy folds").views();
        let line = json!({
            "bench": "compaction_periodic",
            "command": support::command("-p amorph-core --bench compaction"),
            "opt_level": support::opt_level(),
            "events": fed,
            "hours": ((now - history::T0) as f64 / 3_600_000.0 * 10.0).round() / 10.0,
            "compacted": compacted.is_some(),
            "kept_events": store.len(),
            "snapshot_bytes": store.snapshot().len(),
            "checkpoint_bytes": checkpoint_bytes,
            "total_bytes": store.snapshot().len() + checkpoint_bytes,
            "checkpoint_tasks": checkpoint_tasks,
            "board_tasks": views.board.len(),
            "archived_tasks": views.archived_tasks,
            "waiting": views.waiting,
            "compact_ms": compact_ms.round(),
        });
        println!("{line}");
    }
}

/// The full document with every entry the compacted peer dropped deleted in place: what deleting
/// from the existing yrs document, instead of starting a fresh one, would store.
fn tombstones(full: &EventStore, compacted: &EventStore) -> usize {
    let doc = Doc::with_client_id(3);
    let map = doc.get_or_insert_map(EVENTS_MAP);
    let Ok(update) = Update::decode_v1(&full.snapshot()) else { return 0 };
    if doc.transact_mut().apply_update(update).is_err() {
        return 0;
    }
    {
        let mut txn = doc.transact_mut();
        for event in full.events().filter(|e| compacted.get(&e.id).is_none() && e.id != full.genesis().id) {
            map.remove(&mut txn, &event.id.to_hex());
        }
    }
    let bytes = doc.transact().encode_state_as_update_v1(&StateVector::default()).len();
    bytes
}

/// Median, fastest and slowest of `support::REPS` runs, in ms.
fn time(mut run: impl FnMut() -> usize) -> serde_json::Value {
    let mut ms: Vec<f64> = (0..support::REPS)
        .map(|_| {
            let start = support::now_ms();
            std::hint::black_box(run());
            support::now_ms() - start
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    json!({"median": ms[ms.len() / 2].round(), "min": ms[0].round(), "max": ms[ms.len() - 1].round(), "reps": support::REPS})
}
