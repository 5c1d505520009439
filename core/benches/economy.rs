//! Signed economy, natively: generate a seeded history of 100,000 signed events, then time, on one
//! thread, admission of every encoded envelope as the store admits a sync message's entries
//! (`SignedEvent::admit_all` per message-sized slice; also one at a time, `SignedEvent::admit`), the
//! incremental fold (`Economy::apply` in fold order), both together, `Economy::derive` from a
//! shuffled set, and the parts of admission (decoding, id, single and batched signature checks,
//! key decompression, ed25519-dalek's `verify_strict` and batch verification for comparison).
//! Prints one JSON line per figure set; asserts nothing. See docs/benchmarks.md, "Signed economy".
//!
//! `cargo bench -p amorph-core --bench economy`. The bench profile is the workspace's release
//! profile (opt-level "z"); build-time settings, echoed in the printed command:
//! `CARGO_PROFILE_BENCH_OPT_LEVEL=3`, `AMORPH_BENCH_EVENTS=N`, `AMORPH_BENCH_CARGO_ARGS` (see
//! `support::command`).

mod support;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let command = support::command("-p amorph-core --bench economy");
    support::economy("native", &command, &mut |line| println!("{line}"));
}

/// In the browser this runs as `economy_wasm`.
#[cfg(target_arch = "wasm32")]
fn main() {}
