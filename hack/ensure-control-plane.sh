#!/usr/bin/env bash
# Builds the pinned etcd and kube-apiserver used by the integration harness and the demo, once per version.
# Idempotent: binaries live in ${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator/<component>-<version>/ and are
# rebuilt only when missing or when their wrapper module (go.mod/go.sum) or link flags changed. Only the Go module
# proxy is used (no other downloads); a concurrent second caller waits on a lock instead of building twice.
#
# Usage: hack/ensure-control-plane.sh [--print-paths]
#   --print-paths  also print ETCD_BIN=... and KUBE_APISERVER_BIN=... lines (stdout) for callers to parse.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
modules="$repo_root/hack/control-plane"
# shellcheck source=control-plane/versions.env
source "$modules/versions.env"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator"
mkdir -p "$cache_root"

# A binary is reused only if it was built from the same wrapper module files and link flags.
build_stamp() {
  { cat "$1/go.mod" "$1/go.sum"; echo "$2"; } | sha256sum | cut -c1-16
}

# ensure <component> <version> <module dir> <package> <binary name> <ldflags>
ensure() {
  local component=$1 version=$2 moddir=$3 pkg=$4 bin=$5 ldflags=$6
  local dir="$cache_root/$component-$version"
  local stamp
  stamp="$(build_stamp "$moddir" "$ldflags")"
  mkdir -p "$dir"
  # Serialise concurrent callers (tests and demo started together) on one build per component.
  exec {lock_fd}>"$dir/.lock"
  flock "$lock_fd"
  if [[ -x "$dir/$bin" && "$(cat "$dir/.stamp" 2>/dev/null)" == "$stamp" ]]; then
    echo "ensure-control-plane: $component $version cached at $dir/$bin" >&2
  else
    if ! command -v go >/dev/null 2>&1; then
      echo "ensure-control-plane: 'go' is not on PATH; Go >= 1.26 is needed to build $component" >&2
      exit 1
    fi
    echo "ensure-control-plane: building $component $version (first run only; several minutes on 2 cores)..." >&2
    local start=$SECONDS tmp="$dir/$bin.tmp.$$"
    # CGO off as in upstream release builds (no C toolchain needed); GOTOOLCHAIN=local never downloads Go.
    if ! (cd "$moddir" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
      go build -trimpath -ldflags="$ldflags" -o "$tmp" "$pkg"); then
      rm -f "$tmp"
      echo "ensure-control-plane: building $component $version failed" >&2
      exit 1
    fi
    mv -f "$tmp" "$dir/$bin"
    echo "$stamp" > "$dir/.stamp"
    echo "ensure-control-plane: built $component $version in $((SECONDS - start))s -> $dir/$bin" >&2
  fi
  flock -u "$lock_fd"
  exec {lock_fd}>&-
}

total_start=$SECONDS
ensure etcd "$ETCD_VERSION" "$modules/etcd" go.etcd.io/etcd/server/v3 etcd "-s -w"
# Stamp the version the way upstream release builds do; otherwise /version reports v0.0.0-master and clients
# that gate on the server version misjudge it.
kube_minor="${KUBE_VERSION#v1.}"; kube_minor="${kube_minor%%.*}"
kube_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION"
kube_ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$kube_minor"
kube_ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
ensure kube-apiserver "$KUBE_VERSION" "$modules/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "$kube_ldflags"
echo "ensure-control-plane: done in $((SECONDS - total_start))s" >&2

if [[ "${1:-}" == "--print-paths" ]]; then
  echo "ETCD_BIN=$cache_root/etcd-$ETCD_VERSION/etcd"
  echo "KUBE_APISERVER_BIN=$cache_root/kube-apiserver-$KUBE_VERSION/kube-apiserver"
fi
