//! Storage per 10,000 events: the bytes of the yrs document (`EventStore::snapshot`, which the app
//! keeps in IndexedDB as one value) after the benchmark history's first 10,000 events, against the
//! raw envelope bytes of the same events; and the time to `EventStore::restore` that snapshot (the
//! page-load cost: every event is admitted again). Two layouts: every event published through one
//! store (`EventStore::publish`, one yrs client), and the realistic one, each author publishing
//! from its own store and one peer syncing all 200 of them in (200 yrs clients).
//! Prints one JSON line per layout; asserts nothing. See docs/benchmarks.md, "Signed economy".
//!
//! `cargo bench -p amorph-core --bench storage`

mod support;

use amorph_core::events::{Event, SignedEvent};
use amorph_core::identity::Identity;
use amorph_core::store::EventStore;
use amorph_core::wire::EventId;
use serde_json::json;
use support::history::{self, History};
use support::stores::{self, found, store, COLLECTOR};

const EVENTS: usize = 10_000;

fn main() {
    let mut one: Option<EventStore> = None;
    let mut publish = |who: &Identity, swarm: EventId, replica: u64, at: u64, event: Event| {
        if swarm == EventId::NONE {
            let genesis = found(who, replica, at, event);
            one = Some(store(COLLECTOR, &genesis));
            return genesis;
        }
        let store = one.as_mut().expect("the genesis comes first");
        store.publish(who, at, event).expect("the generator makes valid events").0
    };
    let history = history::generate(support::SEED, EVENTS, &mut publish);
    if let Some(one) = &one {
        report("one_store_publish", &history, one, false);
    }

    let (history, peer) = stores::synced(EVENTS);
    report("per_author_synced", &history, &peer, true);
}

/// Prints the layout's line; with `restore`, also the time `EventStore::restore` takes. (One store
/// publishing every author's events is no peer's real state: restoring it refuses all but the
/// first author on that replica, by design.)
fn report(layout: &str, history: &History, store: &EventStore, restore: bool) {
    let events = history.events.len() + 1;
    let raw: usize = std::iter::once(&history.genesis).chain(&history.events).map(|e| e.encode().len()).sum();
    let snapshot = store.snapshot();
    let now = history.events.last().map_or(history::T0, SignedEvent::timestamp_ms);
    let mut line = json!({
        "bench": "storage",
        "layout": layout,
        "command": support::command("-p amorph-core --bench storage"),
        "opt_level": support::opt_level(),
        "events": events,
        "stored": store.len(),
        "snapshot_bytes": snapshot.len(),
        "snapshot_bytes_per_event": (snapshot.len() as f64 / events as f64).round(),
        "envelope_bytes": raw,
        "envelope_bytes_per_event": (raw as f64 / events as f64).round(),
        "snapshot_over_envelopes": ((snapshot.len() as f64 / raw as f64) * 1000.0).round() / 1000.0,
    });
    if restore {
        let mut restored = 0;
        let mut ms: Vec<f64> = (0..support::REPS)
            .map(|_| {
                let start = support::now_ms();
                restored = EventStore::restore(7, &history.genesis, &snapshot, now).map_or(0, |s| s.len());
                support::now_ms() - start
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        line["restore_ms"] =
            json!({"median": ms[ms.len() / 2].round(), "min": ms[0].round(), "max": ms[ms.len() - 1].round()});
        line["restored"] = json!(restored);
        line["reps"] = json!(support::REPS);
    }
    println!("{line}");
}
