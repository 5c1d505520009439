#!/usr/bin/env bash
# Sets up, builds and starts Amorph: the relay serves the app and prints the URL. Extra arguments go
# to the relay (e.g. --port 9000, --lan, --data-dir DIR). Without --data-dir the relay keeps its
# identity and its swarm's genesis in its default data directory (~/.local/share/amorph-relay), so
# every `make run` serves the same swarm. Newcomers get a welcome grant of 100 credits, so a new tab
# can post a paid task or claim one at once; the relay remembers who had one, so running this again
# grants nobody twice. Pass --grant-newcomers yourself to choose (0: no grants), e.g.
# `make run ARGS="--grant-newcomers 0"`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
. scripts/env.sh
say "starting the relay (Ctrl-C stops it)"
grant=(--grant-newcomers 100)
for arg in "$@"; do
  case "$arg" in --grant-newcomers | --grant-newcomers=*) grant=() ;; esac
done
exec "$RELAY_BIN" --app-dir dist ${grant[@]+"${grant[@]}"} "$@"
