#!/usr/bin/env bash
# Builds the pinned client tools the packaging tests run — kubectl (from k8s.io/kubernetes at the API server's
# KUBE_VERSION, so the client matches the server) and helm (helm.sh/helm/v3 at HELM_VERSION) — once per version,
# cached like the control plane (hack/lib/go-binary-cache.sh), and makes sure Lua 5.1 (the Lua dialect Argo CD's
# gopher-lua implements) is installed from the Debian archive.
#
# Usage: hack/ensure-tools.sh [--print-paths]
#   --print-paths  also print KUBECTL_BIN=..., HELM_BIN=... and LUA_BIN=... lines (stdout) for callers to parse.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
modules="$repo_root/hack/control-plane"
# shellcheck source=control-plane/versions.env
source "$modules/versions.env"

log_prefix=ensure-tools
# shellcheck source=lib/go-binary-cache.sh
source "$repo_root/hack/lib/go-binary-cache.sh"

total_start=$SECONDS
ensure kubectl "$KUBE_VERSION" "$modules/kubectl" k8s.io/kubernetes/cmd/kubectl kubectl "$(kube_version_ldflags "$KUBE_VERSION")"

# Helm's Makefile stamps its own version and the Kubernetes version its lint rules and default capabilities
# assume (`.Capabilities.KubeVersion`); without these it reports v3.20 / v1.20.
helm_kube_minor="${KUBE_VERSION#v1.}"; helm_kube_minor="${helm_kube_minor%%.*}"
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
helm_ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$helm_kube_minor"
done
ensure helm "$HELM_VERSION" "$modules/helm" helm.sh/helm/v3/cmd/helm helm "$helm_ldflags"

if ! command -v lua5.1 >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    # A fresh machine may have no package lists yet.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q lua5.1 >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q lua5.1 >&2; }
  fi
  command -v lua5.1 >/dev/null 2>&1 || { echo "ensure-tools: no lua5.1 (install the 'lua5.1' package)" >&2; exit 2; }
fi
echo "ensure-tools: done in $((SECONDS - total_start))s" >&2

if [[ "${1:-}" == "--print-paths" ]]; then
  echo "KUBECTL_BIN=$cache_root/kubectl-$KUBE_VERSION/kubectl"
  echo "HELM_BIN=$cache_root/helm-$HELM_VERSION/helm"
  echo "LUA_BIN=$(command -v lua5.1)"
fi
