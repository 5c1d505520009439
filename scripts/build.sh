#!/usr/bin/env bash
# Builds the relay and the release app (dist/). Assumes scripts/setup.sh ran.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

say "building the relay"
cargo build --profile relay -p amorph-relay
say "building the app (trunk, release)"
trunk build --release --offline --dist dist
