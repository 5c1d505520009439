//! Signed economy in Chromium (wasm32): the same figures as `benches/economy.rs`, printed with
//! `console.log` by a `#[wasm_bindgen_bench]` in a dedicated worker that ignores its Criterion and
//! times itself.
//!
//! `WASM_BINDGEN_TEST_TIMEOUT=3000 CHROMEDRIVER=/usr/bin/chromedriver cargo bench -p amorph-core
//! --target wasm32-unknown-unknown --bench economy_wasm -- --nocapture`
//! (settings as for `benches/economy.rs`). Natively this target is empty.

#![cfg(target_arch = "wasm32")]

mod support;

use wasm_bindgen_test::{console_log, wasm_bindgen_bench, Criterion};

// A dedicated worker, as the app would run such work: the page stays responsive to the test
// driver while one phase blocks for many seconds (on the main thread chromedriver times out).
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_bench]
fn signed_economy(_: &mut Criterion) {
    let command =
        support::command("-p amorph-core --target wasm32-unknown-unknown --bench economy_wasm -- --nocapture");
    let command = format!("WASM_BINDGEN_TEST_TIMEOUT=3000 CHROMEDRIVER=/usr/bin/chromedriver {command}");
    support::economy("wasm32-chromium", &command, &mut |line| console_log!("{line}"));
}
