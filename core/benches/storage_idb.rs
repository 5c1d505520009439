//! Storage in Chromium's IndexedDB: the event store snapshot (`EventStore::snapshot`) of the
//! benchmark history, realistic layout as in `benches/storage.rs` (each author publishing from its
//! own store, one peer syncing all 200 in), saved the way the app saves it (`app/src/storage.rs`:
//! one `Uint8Array` under one key of the `kv` object store, a readwrite transaction, waiting for
//! `complete`), then saved again under the same key, then read back. Reports
//! `navigator.storage.estimate()` (usage, and Chromium's `usageDetails.indexedDB`) before and
//! after each save and after deleting the database, the time of each save and of each read.
//! At 10,000 and 100,000 events (only `AMORPH_BENCH_EVENTS`, when set at build time).
//! Prints one JSON line per size with `console.log`; asserts nothing but that the bytes read back
//! are the bytes saved. See docs/benchmarks.md, "Signed economy", "Storage".
//!
//! `WASM_BINDGEN_TEST_TIMEOUT=3000 CHROMEDRIVER=/usr/bin/chromedriver cargo bench -p amorph-core
//! --target wasm32-unknown-unknown --bench storage_idb -- --nocapture`
//! (chromedriver starts headless Chromium on a fresh temporary profile). Natively this target is
//! empty.

#![cfg(target_arch = "wasm32")]

mod support;

use js_sys::{Promise, Reflect, Uint8Array};
use serde_json::{json, Value};
use support::stores;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_bench, Criterion};
use web_sys::{
    IdbDatabase, IdbFactory, IdbRequest, IdbTransaction, IdbTransactionMode, StorageEstimate, WorkerGlobalScope,
};

// A dedicated worker, as in `benches/economy_wasm.rs`: building the store blocks for seconds.
// IndexedDB and `navigator.storage` are the same in a worker as on the page.
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// The app's object store and key (`app/src/storage.rs`).
const STORE: &str = "kv";
const KEY: &str = "event-store";

#[wasm_bindgen_bench]
async fn indexed_db(_: &mut Criterion) {
    let command = support::command("-p amorph-core --target wasm32-unknown-unknown --bench storage_idb -- --nocapture");
    let command = format!("WASM_BINDGEN_TEST_TIMEOUT=3000 CHROMEDRIVER=/usr/bin/chromedriver {command}");
    let sizes = match option_env!("AMORPH_BENCH_EVENTS").and_then(|n| n.parse().ok()) {
        Some(n) => vec![n],
        None => vec![10_000, 100_000],
    };
    for events in sizes {
        match measure(events, &command).await {
            Ok(line) => console_log!("{line}"),
            Err(e) => console_log!("{}", json!({"bench": "storage_idb", "events": events, "error": format!("{e:?}")})),
        }
    }
}

async fn measure(count: usize, command: &str) -> Result<Value, JsValue> {
    let started = now_ms();
    let (history, peer) = stores::synced(count);
    let snapshot = peer.snapshot();
    let build_s = ((now_ms() - started) / 100.0).round() / 10.0;
    let events = history.events.len() + 1;
    drop(history);

    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    let factory = scope.indexed_db()?.ok_or("no IndexedDB in this worker")?;
    let name = format!("amorph-bench-{count}");
    let deleting = factory.delete_database(&name)?;
    request(&deleting).await?;
    let before = estimate(&scope).await?;
    let db = open(&factory, &name).await?;
    let opened = estimate(&scope).await?;

    // The first save writes a new key; the rest replace it, as every later save of the app does.
    let mut save_ms = Vec::new();
    let mut after = Vec::new();
    for _ in 0..=support::REPS {
        let start = now_ms();
        save(&db, &snapshot).await?;
        save_ms.push(now_ms() - start);
        after.push(estimate(&scope).await?);
    }
    let mut load_ms = Vec::new();
    for _ in 0..support::REPS {
        let start = now_ms();
        let loaded = load(&db).await?;
        load_ms.push(now_ms() - start);
        assert!(loaded == snapshot, "the bytes read back are the bytes saved");
    }
    db.close();
    let deleting = factory.delete_database(&name)?;
    request(&deleting).await?;
    let deleted = estimate(&scope).await?;

    let grown = |u: &Value| u["usage"].as_f64().unwrap_or(0.0) - opened["usage"].as_f64().unwrap_or(0.0);
    let first = grown(&after[0]);
    let rewrites: Vec<f64> = save_ms[1..].to_vec();
    Ok(json!({
        "bench": "storage_idb",
        "target": "wasm32-chromium",
        "layout": "per_author_synced",
        "command": command,
        "opt_level": support::opt_level(),
        "user_agent": scope.navigator().user_agent().unwrap_or_default(),
        "events": events,
        "stored": peer.len(),
        "build_s": build_s,
        "snapshot_bytes": snapshot.len(),
        "snapshot_bytes_per_event": (snapshot.len() as f64 / events as f64).round(),
        "estimate_before": before,
        "estimate_opened": opened,
        "estimate_after_save": after,
        "estimate_after_delete": deleted,
        "usage_growth_first_save": first,
        "usage_growth_per_event": (first / events as f64).round(),
        "usage_growth_over_snapshot": (first / snapshot.len() as f64 * 1000.0).round() / 1000.0,
        "usage_growth_after_saves": after.iter().map(grown).collect::<Vec<_>>(),
        "save_ms": {"first": round(save_ms[0]), "rewrite": spread(rewrites), "all": save_ms.iter().map(|&ms| round(ms)).collect::<Vec<_>>()},
        "load_ms": spread(load_ms),
        "reps": support::REPS,
    }))
}

fn now_ms() -> f64 {
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    scope.performance().map_or_else(js_sys::Date::now, |p| p.now())
}

fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}

/// `{"median", "min", "max"}` of the durations in ms.
fn spread(mut ms: Vec<f64>) -> Value {
    ms.sort_by(f64::total_cmp);
    json!({"median": round(ms[ms.len() / 2]), "min": round(ms[0]), "max": round(ms[ms.len() - 1])})
}

/// `navigator.storage.estimate()`: `usage`, `quota`, and Chromium's `usageDetails.indexedDB`.
async fn estimate(scope: &WorkerGlobalScope) -> Result<Value, JsValue> {
    let estimate: StorageEstimate = JsFuture::from(scope.navigator().storage().estimate()?).await?.unchecked_into();
    let details = Reflect::get(&estimate, &"usageDetails".into())?;
    let indexed_db = if details.is_object() { Reflect::get(&details, &"indexedDB".into())?.as_f64() } else { None };
    Ok(json!({"usage": estimate.get_usage(), "quota": estimate.get_quota(), "indexed_db": indexed_db}))
}

/// The request's result once it succeeds.
async fn request(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let done = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(done).await?;
    request.result()
}

/// Opens `name` at version 1, creating the `kv` object store, as `Storage::open` does.
async fn open(factory: &IdbFactory, name: &str) -> Result<IdbDatabase, JsValue> {
    let opening = factory.open_with_u32(name, 1)?;
    let upgrading = opening.clone();
    let upgrade = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        let db: IdbDatabase = upgrading.result().expect("an upgrade has its database").unchecked_into();
        db.create_object_store(STORE).expect("a new database takes the object store");
    });
    opening.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db = request(&opening).await?;
    opening.set_onupgradeneeded(None);
    Ok(db.unchecked_into())
}

/// `Storage::save`: the bytes as a `Uint8Array` under the key, then the commit, awaited.
async fn save(db: &IdbDatabase, bytes: &[u8]) -> Result<(), JsValue> {
    let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?;
    let value: JsValue = Uint8Array::from(bytes).into();
    tx.object_store(STORE)?.put_with_key(&value, &KEY.into())?;
    let done = completion(&tx);
    // web-sys marks `commit` deprecated; the app calls it (indexed_db_futures `Transaction::commit`).
    #[allow(deprecated)]
    tx.commit()?;
    JsFuture::from(done).await.map(drop)
}

/// `Storage::load`: a readonly transaction, `get` of the key, the `Uint8Array` copied out.
async fn load(db: &IdbDatabase) -> Result<Vec<u8>, JsValue> {
    let tx = db.transaction_with_str(STORE)?;
    let value = request(&tx.object_store(STORE)?.get(&KEY.into())?).await?;
    Ok(value.dyn_into::<Uint8Array>()?.to_vec())
}

/// Resolves on `complete`, rejects on `error` or `abort`.
fn completion(tx: &IdbTransaction) -> Promise {
    Promise::new(&mut |resolve, reject| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    })
}
