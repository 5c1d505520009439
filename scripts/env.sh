# Shared settings for the scripts: caches live outside the clone so repeat runs are quick.
# Sourced, not executed.
export AMORPH_CACHE="${AMORPH_CACHE:-$HOME/.cache/amorph}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$AMORPH_CACHE/target}"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PWD/tools/node_modules/.bin:$PATH"
export TRUNK_OFFLINE=true
RELAY_BIN="$CARGO_TARGET_DIR/relay/amorph-relay"
TRUNK_VERSION="0.21.14"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
