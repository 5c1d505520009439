//! Shared by the economy benchmarks, natively (`benches/economy.rs`) and in Chromium
//! (`benches/economy_wasm.rs`): the clock, the spread over repeated runs, and the measurements,
//! each reported as one JSON line. Single-threaded; nothing here asserts on timing.

#![allow(dead_code)]

mod flight;
pub mod history;
pub mod rng;
pub mod stores;

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;

use amorph_core::economy::Economy;
use amorph_core::events::SignedEvent;
use amorph_core::identity::{verify_each, Identity, SignatureCheck, MAX_BATCH};
use amorph_core::store::{MAX_ENTRIES_PER_UPDATE, TARGET_MESSAGE_BYTES};
use amorph_core::wire::{Envelope, EventId};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{json, Value};

pub const SEED: u64 = 0x616d_6f72_7068;
/// Each figure is the median of this many runs, with the fastest and slowest beside it.
pub const REPS: usize = 3;
/// The admission breakdown runs on the first this many events.
const PART_EVENTS: usize = 20_000;

/// The bench profile's opt-level: the workspace's release profile (`z`) unless overridden.
pub fn opt_level() -> &'static str {
    option_env!("CARGO_PROFILE_BENCH_OPT_LEVEL").unwrap_or("z")
}

/// Events in the history: 100,000 unless `AMORPH_BENCH_EVENTS` was set at build time.
pub fn events() -> usize {
    option_env!("AMORPH_BENCH_EVENTS").and_then(|n| n.parse().ok()).unwrap_or(100_000)
}

/// The command that rebuilds and reruns this benchmark as built: `cargo bench` with `rest`, after
/// the settings read at build time: opt-level, event count, `RUSTFLAGS` for wasm32 (e.g.
/// `--cfg curve25519_dalek_bits="64"`), and extra cargo arguments (`--features ed25519-dalek/fast`,
/// `--config profile.release.package.curve25519-dalek.opt-level=3`), which cargo does not pass to
/// the build, so they are given twice: in `AMORPH_BENCH_CARGO_ARGS` and on the command line.
pub fn command(rest: &str) -> String {
    let settings = [
        ("CARGO_PROFILE_BENCH_OPT_LEVEL", option_env!("CARGO_PROFILE_BENCH_OPT_LEVEL")),
        ("AMORPH_BENCH_EVENTS", option_env!("AMORPH_BENCH_EVENTS")),
        ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", option_env!("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS")),
        ("AMORPH_BENCH_CARGO_ARGS", option_env!("AMORPH_BENCH_CARGO_ARGS")),
    ];
    let env: String = settings
        .iter()
        .filter_map(|(name, value)| {
            value.map(|v| if v.contains([' ', '"']) { format!("{name}='{v}' ") } else { format!("{name}={v} ") })
        })
        .collect();
    let args = option_env!("AMORPH_BENCH_CARGO_ARGS").map_or(String::new(), |a| format!("{a} "));
    format!("{env}cargo bench {args}{rest}")
}

/// Milliseconds since an arbitrary origin: `Instant` natively, `Date.now()` in the browser.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(std::time::Instant::now).elapsed().as_secs_f64() * 1e3
}

#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Runs `run` `REPS` times: the durations in ms, sorted, and the last run's result (earlier
/// results are dropped outside the timed region).
fn time<T>(mut run: impl FnMut() -> T) -> (Vec<f64>, T) {
    let mut ms = Vec::with_capacity(REPS);
    let mut last = None;
    for _ in 0..REPS {
        let start = now_ms();
        let out = run();
        ms.push(now_ms() - start);
        last = Some(out);
    }
    ms.sort_by(f64::total_cmp);
    (ms, last.expect("REPS > 0"))
}

/// `{"median", "min", "max"}` of the durations in ms.
fn spread_ms(ms: &[f64]) -> Value {
    json!({"median": round(ms[ms.len() / 2]), "min": round(ms[0]), "max": round(ms[ms.len() - 1])})
}

/// `{"median", "min", "max"}` in items per second (`min` from the slowest run).
fn rate(items: usize, ms: &[f64]) -> Value {
    let per_s = |ms: f64| (items as f64 / ms * 1e3).round();
    json!({"median": per_s(ms[ms.len() / 2]), "min": per_s(ms[ms.len() - 1]), "max": per_s(ms[0])})
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The envelopes split as the store splits a sync message (`store::chunked`): entries of at most
/// `TARGET_MESSAGE_BYTES` together (envelope, 64-character key and 24 bytes of framing each), at
/// most `MAX_ENTRIES_PER_UPDATE`. The store admits each message's entries with one
/// `SignedEvent::admit_all`.
fn messages(encoded: &[Vec<u8>]) -> Vec<&[Vec<u8>]> {
    let mut messages = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, envelope) in encoded.iter().enumerate() {
        let entry_size = envelope.len() + 64 + 24;
        if i > start && (size + entry_size > TARGET_MESSAGE_BYTES || i - start >= MAX_ENTRIES_PER_UPDATE) {
            messages.push(&encoded[start..i]);
            (start, size) = (i, 0);
        }
        size += entry_size;
    }
    if start < encoded.len() {
        messages.push(&encoded[start..]);
    }
    messages
}

/// Generates the history and prints three lines: admission and fold, derive, admission parts.
pub fn economy(target: &str, command: &str, emit: &mut dyn FnMut(String)) {
    let started = now_ms();
    let mut sign = |who: &Identity, swarm: EventId, replica: u64, at: u64, event| {
        SignedEvent::create(who, swarm, replica, at, event).expect("the generator makes valid events")
    };
    let history = history::generate(SEED, events(), &mut sign);
    let generate_s = round((now_ms() - started) / 1e3);
    let (genesis, events) = (&history.genesis, &history.events);
    let encoded: Vec<Vec<u8>> = events.iter().map(SignedEvent::encode).collect();
    let now = events.last().map_or(history::T0, SignedEvent::timestamp_ms);
    let n = events.len();
    let header = json!({"target": target, "opt_level": opt_level(), "command": command, "events": n, "reps": REPS});

    let sync_messages = messages(&encoded);
    let admit_all = || sync_messages.iter().flat_map(|m| SignedEvent::admit_all(m, now)).filter_map(Result::ok);
    let (admit, admitted) = time(|| admit_all().count());
    let (single, admitted_singly) = time(|| encoded.iter().filter_map(|b| SignedEvent::admit(b, now).ok()).count());
    let (fold, folded) = time(|| fold_all(genesis, events.iter()));
    let (both, _) = time(|| fold_all(genesis, admit_all()));
    let (fold_errors, economy) = folded;
    let refused: u32 = economy.map_or(0, |e| e.views().ignored.values().map(|i| i.count).sum());
    let bytes: usize = encoded.iter().map(Vec::len).sum();
    let mut line = header.clone();
    line["bench"] = json!("economy.admit_fold");
    line["admit_per_s"] = rate(n, &admit);
    line["admit_single_per_s"] = rate(n, &single);
    line["fold_per_s"] = rate(n, &fold);
    line["admit_and_fold_per_s"] = rate(n, &both);
    line["admit_and_fold_ms"] = spread_ms(&both);
    line["messages"] = json!(sync_messages.len());
    line["admitted"] = json!(admitted);
    line["admitted_singly"] = json!(admitted_singly);
    line["fold_errors"] = json!(fold_errors);
    line["refused"] = json!(refused);
    let mut mix: BTreeMap<&str, usize> = BTreeMap::new();
    events.iter().for_each(|e| *mix.entry(e.event.kind_name()).or_default() += 1);
    line["mix"] = json!(mix);
    line["tasks"] = json!(history.tasks);
    line["tasks_closed"] = json!(history.closed);
    line["envelope_bytes_mean"] = json!(round(bytes as f64 / n as f64));
    line["generate_s"] = json!(generate_s);
    emit(line.to_string());

    let mut shuffled: Vec<&SignedEvent> = events.iter().collect();
    let mut rng = history::Rng::new(SEED ^ 1);
    for i in (1..shuffled.len()).rev() {
        shuffled.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let (derive, views) = time(|| Economy::derive(genesis, shuffled.iter().copied()));
    let tasks = views.map_or(0, |v| v.board.len());
    let mut line = header.clone();
    line["bench"] = json!("economy.derive");
    line["derive_ms"] = spread_ms(&derive);
    line["events_per_s"] = rate(n, &derive);
    line["board_tasks"] = json!(tasks);
    emit(line.to_string());

    let mut line = header;
    line["bench"] = json!("economy.admission_parts");
    line["events"] = json!(PART_EVENTS.min(n));
    let message_size = n.div_ceil(sync_messages.len().max(1));
    for (name, figure) in admission_parts(&encoded[..PART_EVENTS.min(n)], message_size) {
        line[name] = figure;
    }
    emit(line.to_string());
}

/// Folds `events` (in fold order) from `genesis`: the events `apply` returned an error for, and the
/// economy (`None` if the genesis is not one).
fn fold_all<E: Borrow<SignedEvent>>(
    genesis: &SignedEvent,
    events: impl Iterator<Item = E>,
) -> (usize, Option<Economy>) {
    let Ok(mut economy) = Economy::new(genesis) else { return (0, None) };
    let errors = events.filter(|e| economy.apply(e.borrow()).is_err()).count();
    (errors, Some(economy))
}

/// The steps of admission on their own, per second: postcard decoding of the envelope, its id
/// (canonical bytes + SHA-256), core's signature check one at a time (`PeerId::verify`: ZIP 215 with
/// ed25519-zebra), core's batched check (`identity::verify_each`) over batches of 8, 64, the store's
/// message size and `MAX_BATCH`, ed25519-zebra's key decompression (what a cache of author keys
/// would save: once per distinct author per batch), and for comparison ed25519-dalek: `verify_strict`
/// with keys decompressed once per author (the rule before) and `verify_batch` over batches of 8, 64
/// and 512 (cached keys). Messages are built before timing.
fn admission_parts(encoded: &[Vec<u8>], message_size: usize) -> Vec<(&'static str, Value)> {
    let n = encoded.len();
    let envelopes: Vec<Envelope> = encoded.iter().filter_map(|b| postcard::from_bytes(b).ok()).collect();
    let messages: Vec<Vec<u8>> = envelopes.iter().map(Envelope::canonical_bytes).collect();
    let signatures: Vec<Signature> = envelopes.iter().map(|e| Signature::from_bytes(&e.signature.0)).collect();
    let mut cache: HashMap<[u8; 32], VerifyingKey> = HashMap::new();
    for e in &envelopes {
        if let Ok(key) = VerifyingKey::from_bytes(&e.author.0) {
            cache.insert(e.author.0, key);
        }
    }
    let keys: Vec<VerifyingKey> = envelopes.iter().filter_map(|e| cache.get(&e.author.0).copied()).collect();
    let checks: Vec<SignatureCheck> = envelopes
        .iter()
        .zip(&messages)
        .map(|(e, m)| SignatureCheck { author: e.author, message: m, signature: &e.signature.0 })
        .collect();
    let decode = time(|| encoded.iter().filter(|b| postcard::from_bytes::<Envelope>(b).is_ok()).count());
    let id = time(|| envelopes.iter().filter(|e| black_box(e.id()) != EventId::NONE).count());
    let verify =
        time(|| envelopes.iter().zip(&messages).filter(|(e, m)| e.author.verify(m, &e.signature.0).is_ok()).count());
    let decompress = time(|| {
        let keys = envelopes.iter().map(|e| ed25519_zebra::VerificationKey::try_from(e.author.0));
        keys.filter(|k| black_box(k).is_ok()).count()
    });
    let cached = time(|| {
        let checks = envelopes.iter().zip(&messages).zip(&signatures);
        checks.filter(|((e, m), s)| cache.get(&e.author.0).is_some_and(|k| k.verify_strict(m, s).is_ok())).count()
    });
    let mut passed = decode.1 + id.1 + verify.1 + decompress.1 + cached.1;
    let mut parts = vec![
        ("decode_per_s", rate(n, &decode.0)),
        ("id_per_s", rate(n, &id.0)),
        ("verify_core_per_s", rate(n, &verify.0)),
        ("key_decompress_per_s", rate(n, &decompress.0)),
        ("verify_strict_cached_key_per_s", rate(n, &cached.0)),
    ];
    let sizes = [
        ("verify_each8_per_s", 8),
        ("verify_each64_per_s", 64),
        ("verify_each_message_per_s", message_size),
        ("verify_each512_per_s", MAX_BATCH),
    ];
    for (name, size) in sizes {
        let batch =
            time(|| checks.chunks(size).map(|c| verify_each(c).into_iter().filter(|v| *v).count()).sum::<usize>());
        passed += batch.1;
        parts.push((name, rate(n, &batch.0)));
    }
    let distinct: usize = checks
        .chunks(message_size)
        .map(|c| c.iter().map(|c| c.author).collect::<std::collections::BTreeSet<_>>().len())
        .sum();
    parts.push(("message_size", json!(message_size)));
    parts.push(("distinct_authors_per_message", json!(round(distinct as f64 / n.div_ceil(message_size) as f64))));
    let slices: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    for (name, size) in [("verify_batch8_per_s", 8), ("verify_batch64_per_s", 64), ("verify_batch512_per_s", 512)] {
        let batch = time(|| {
            let ranges = (0..n).step_by(size).map(|start| start..(start + size).min(n));
            let verified = ranges.filter(|r| {
                ed25519_dalek::verify_batch(&slices[r.clone()], &signatures[r.clone()], &keys[r.clone()]).is_ok()
            });
            verified.map(|r| r.len()).sum::<usize>()
        });
        passed += batch.1;
        parts.push((name, rate(n, &batch.0)));
    }
    parts.push(("all_verified", json!(passed == 12 * n && keys.len() == n)));
    parts
}
