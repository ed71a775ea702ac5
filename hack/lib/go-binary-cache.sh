# Sourced by hack/ensure-control-plane.sh and hack/ensure-tools.sh: build a Go binary from a pinned wrapper
# module once and cache it. Binaries live in ${XDG_CACHE_HOME:-$HOME/.cache}/higress-ai-operator/<component>-<version>/
# and are rebuilt only when missing or when their wrapper module (go.mod/go.sum) or link flags changed. Only the Go
# module proxy is used (no other downloads); a concurrent second caller waits on a lock instead of building twice.
# The caller sets log_prefix (messages go to stderr as "<log_prefix>: ...").

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
    echo "$log_prefix: $component $version cached at $dir/$bin" >&2
  else
    if ! command -v go >/dev/null 2>&1; then
      echo "$log_prefix: 'go' is not on PATH; Go >= 1.26 is needed to build $component" >&2
      exit 1
    fi
    echo "$log_prefix: building $component $version (first run only; several minutes on 2 cores)..." >&2
    local start=$SECONDS tmp="$dir/$bin.tmp.$$"
    # CGO off as in upstream release builds (no C toolchain needed); GOTOOLCHAIN=local never downloads Go.
    if ! (cd "$moddir" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod \
      go build -trimpath -ldflags="$ldflags" -o "$tmp" "$pkg"); then
      rm -f "$tmp"
      echo "$log_prefix: building $component $version failed" >&2
      exit 1
    fi
    mv -f "$tmp" "$dir/$bin"
    echo "$stamp" > "$dir/.stamp"
    echo "$log_prefix: built $component $version in $((SECONDS - start))s -> $dir/$bin" >&2
  fi
  flock -u "$lock_fd"
  exec {lock_fd}>&-
}

# The link flags upstream release builds use to stamp a Kubernetes binary's version; without them /version and
# `kubectl version` report v0.0.0-master and clients that gate on the version misjudge it.
kube_version_ldflags() {
  local version=$1 minor="${1#v1.}"
  minor="${minor%%.*}"
  echo "-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1" \
    "-X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
}
