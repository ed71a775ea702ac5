#!/usr/bin/env bash
# Builds the pinned etcd and kube-apiserver used by the integration harness and the demo, once per version
# (hack/lib/go-binary-cache.sh: cached, idempotent, Go module proxy only, one build per component at a time).
#
# Usage: hack/ensure-control-plane.sh [--print-paths]
#   --print-paths  also print ETCD_BIN=... and KUBE_APISERVER_BIN=... lines (stdout) for callers to parse.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
modules="$repo_root/hack/control-plane"
# shellcheck source=control-plane/versions.env
source "$modules/versions.env"

log_prefix=ensure-control-plane
# shellcheck source=lib/go-binary-cache.sh
source "$repo_root/hack/lib/go-binary-cache.sh"

total_start=$SECONDS
ensure etcd "$ETCD_VERSION" "$modules/etcd" go.etcd.io/etcd/server/v3 etcd "-s -w"
ensure kube-apiserver "$KUBE_VERSION" "$modules/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "$(kube_version_ldflags "$KUBE_VERSION")"
echo "ensure-control-plane: done in $((SECONDS - total_start))s" >&2

if [[ "${1:-}" == "--print-paths" ]]; then
  echo "ETCD_BIN=$cache_root/etcd-$ETCD_VERSION/etcd"
  echo "KUBE_APISERVER_BIN=$cache_root/kube-apiserver-$KUBE_VERSION/kube-apiserver"
fi
