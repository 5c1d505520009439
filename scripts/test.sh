#!/usr/bin/env bash
# Sets up what tests need and runs every test: Rust unit and scenario tests, then the Playwright
# suite in Debian's Chromium against the real relay and the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
. scripts/env.sh

say "Rust unit, property and scenario tests"
cargo test -p amorph-core -p amorph-relay
cargo test -p amorph-worker --no-default-features
say "the coordinator model natively: parity with the reference, bad input, routing on the labelled set"
cargo test --release -p amorph-worker --no-default-features --features model
say "core in the browser (wasm32, wasm-bindgen-test in headless Chromium)"
CHROMEDRIVER=/usr/bin/chromedriver cargo test -p amorph-core --target wasm32-unknown-unknown --test portable
scripts/build.sh
say "browser tests (Playwright, Chromium)"
(cd e2e && AMORPH_RELAY_BIN="$RELAY_BIN" AMORPH_DIST="$PWD/../dist" npm test)
