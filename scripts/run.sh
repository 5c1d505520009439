#!/usr/bin/env bash
# Sets up, builds and starts Amorph: the relay serves the app and prints the URL. Extra arguments go
# to the relay (e.g. --port 9000, --lan, --data-dir DIR). Without --data-dir the relay keeps its
# identity and its swarm's genesis in its default data directory (~/.local/share/amorph-relay), so
# every `make run` serves the same swarm.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
. scripts/env.sh
say "starting the relay (Ctrl-C stops it)"
exec "$RELAY_BIN" --app-dir dist "$@"
