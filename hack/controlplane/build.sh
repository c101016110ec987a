#!/usr/bin/env bash
# Builds and caches the real Kubernetes binaries used by the tests: kube-apiserver and
# kube-controller-manager (from k8s.io/kubernetes on the Go module proxy) and etcd
# (go.etcd.io/etcd/server/v3, same way), with the machine's Go; with `nodes`, also what real
# lab nodes run (e2e/nodes): kube-scheduler, kubelet, kube-proxy and kubectl, from the same
# wrapper module into the same directory.
#
# Prints exactly one line on stdout: the directory holding the binaries. Progress and
# errors go to stderr.
#   dir=$(hack/controlplane/build.sh)         # kube-apiserver, kube-controller-manager, etcd
#   dir=$(hack/controlplane/build.sh nodes)   # … and kube-scheduler, kubelet, kube-proxy, kubectl
#
# Env overrides:
#   K8S_VERSION          k8s.io/kubernetes version (default below), or "latest" to resolve
#                        the newest v${K8S_SERIES}.x on the proxy (resolution cached a day)
#   K8S_SERIES           series for K8S_VERSION=latest (default 1.36)
#   ETCD_VERSION         go.etcd.io/etcd/server/v3 version (default below)
#   K8S_GIT_COMMIT       gitCommit stamped into the binaries (module zips carry none)
#   KUBEBUILDER_ASSETS   if it holds kube-apiserver and etcd, it is printed and used as is
#   PORTSIDE_CACHE_DIR   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/portside)
set -euo pipefail

# shellcheck source=hack/controlplane/version.sh
. "$(dirname "$0")/version.sh"
K8S_SERIES="${K8S_SERIES:-1.36}"
# k8s 1.36 needs etcd >= 3.5.24 (kubeadm MinExternalEtcdVersion) and defaults to 3.6.8;
# Debian bookworm's etcd-server is 3.4.23, too old, so etcd is built from the proxy.
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"

# Everything goes to stderr except the final path, printed on fd 3.
exec 3>&1 1>&2

log() { echo "controlplane: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# What is asked for: the control plane, and with `nodes` what a real node runs.
K8S_CMDS=(kube-apiserver kube-controller-manager)
case "${1:-}" in
  '') ;;
  nodes) K8S_CMDS+=(kube-scheduler kubelet kube-proxy kubectl) ;;
  *) die "usage: $0 [nodes]" ;;
esac

has_bins() { # dir name...
  local d="$1"; shift
  local b
  for b in "$@"; do [ -f "$d/$b" ] && [ -x "$d/$b" ] || return 1; done
}

# 1. KUBEBUILDER_ASSETS overrides everything.
if [ -n "${KUBEBUILDER_ASSETS:-}" ] && has_bins "$KUBEBUILDER_ASSETS" kube-apiserver etcd; then
  echo "$KUBEBUILDER_ASSETS" >&3
  exit 0
fi

CACHE_ROOT="${PORTSIDE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portside}"

# 2. Warm path: no go, no network, no lock.
if [ "$K8S_VERSION" != latest ]; then
  OUT_DIR="$CACHE_ROOT/k8s-$K8S_VERSION"
  if has_bins "$OUT_DIR" "${K8S_CMDS[@]}" etcd; then
    echo "$OUT_DIR" >&3
    exit 0
  fi
fi

# shellcheck source=hack/gobuild.sh
. "$(dirname "$0")/../gobuild.sh"
go_build_env "the control plane" -mod=mod
hold_lock "$CACHE_ROOT/.build.lock"

# Resolve K8S_VERSION=latest: the proxy's @v/list can omit versions it serves, so probe
# upward from its newest entry; keep only versions that `go mod download` verifies.
if [ "$K8S_VERSION" = latest ]; then
  res_file="$CACHE_ROOT/k8s-latest-$K8S_SERIES"
  if [ -s "$res_file" ] && [ -z "$(find "$res_file" -mmin +1440)" ]; then
    K8S_VERSION="$(cat "$res_file")"
    log "using cached resolution of latest v$K8S_SERIES.x: $K8S_VERSION"
  else
    log "resolving newest v$K8S_SERIES.x of k8s.io/kubernetes"
    resolve_dir="$(mktemp -d)"
    listed="$(cd "$resolve_dir"; { GOFLAGS='' go list -m -versions k8s.io/kubernetes || true; } \
      | tr ' ' '\n' | { grep -E "^v${K8S_SERIES//./\\.}\.[0-9]+$" || true; } | sed 's/.*\.//' | sort -n | tail -1)"
    patch="${listed:-0}"
    while (cd "$resolve_dir" && GOFLAGS='' go list -m "k8s.io/kubernetes@v$K8S_SERIES.$((patch + 1))" >/dev/null 2>&1); do
      patch=$((patch + 1))
    done
    K8S_VERSION=""
    while [ "$patch" -ge 0 ]; do
      if (cd "$resolve_dir" && GOFLAGS='' go mod download "k8s.io/kubernetes@v$K8S_SERIES.$patch" >/dev/null 2>&1); then
        K8S_VERSION="v$K8S_SERIES.$patch"; break
      fi
      log "v$K8S_SERIES.$patch is not downloadable+verifiable; trying older"
      patch=$((patch - 1))
    done
    rm -rf "$resolve_dir"
    [ -n "$K8S_VERSION" ] || die "no usable v$K8S_SERIES.x of k8s.io/kubernetes on the proxy"
    echo "$K8S_VERSION" > "$res_file.tmp" && mv "$res_file.tmp" "$res_file"
    log "resolved latest v$K8S_SERIES.x: $K8S_VERSION"
  fi
fi

[[ "$K8S_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)(-[0-9A-Za-z.-]+)?$ ]] \
  || die "K8S_VERSION must look like v1.N.M, got '$K8S_VERSION'"
K8S_MINOR="${BASH_REMATCH[1]}"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"

OUT_DIR="$CACHE_ROOT/k8s-$K8S_VERSION"
# Re-check under the lock: a concurrent caller may just have finished.
if has_bins "$OUT_DIR" "${K8S_CMDS[@]}" etcd; then
  echo "$OUT_DIR" >&3
  exit 0
fi

BUILD_ROOT="$CACHE_ROOT/build"
STAGE="$BUILD_ROOT/out.$$"
mkdir -p "$BUILD_ROOT" "$STAGE"
cleanup() { rm -rf "$STAGE"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# Staging dirs of builds that were killed (we hold the lock: no other build is running).
find "$BUILD_ROOT" -maxdepth 1 -name 'out.*' ! -name "out.$$" -exec rm -rf {} +

start=$SECONDS

# Reads a module's go.mod (downloading the module into the module cache: the build needs
# it anyway) and prints its path.
gomod_of() { # module@version
  local json f
  json="$(cd "$BUILD_ROOT" && GOFLAGS='' go mod download -json "$1")" || {
    printf '%s\n' "$json" >&2; die "go mod download $1 failed"; }
  f="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  if [ -z "$f" ] || [ ! -f "$f" ]; then printf '%s\n' "$json" >&2; die "no go.mod for $1"; fi
  echo "$f"
}

# Copies the go directive and godebug lines of an upstream go.mod.
go_and_godebug() { # go.mod
  grep -E '^go [0-9]' "$1" | head -1
  grep -E '^godebug[[:space:]]+[^([:space:]]' "$1" || true
  # godebug ( ... ) blocks
  sed -n '/^godebug[[:space:]]*($/,/^)$/p' "$1"
}

ldflags_k8s() {
  local commit="${K8S_GIT_COMMIT:-}" date="$1" pkg key val out="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    for kv in "gitVersion=$K8S_VERSION" "gitMajor=1" "gitMinor=$K8S_MINOR" \
      "gitCommit=$commit" "gitTreeState=clean" "buildDate=$date"; do
      key="${kv%%=*}"; val="${kv#*=}"
      out+=" -X $pkg.$key=$val"
    done
  done
  echo "$out"
}

build_k8s() { # command...
  local wrap="$BUILD_ROOT/k8s-wrapper-$K8S_VERSION" upstream info date
  log "building $* $K8S_VERSION in $wrap"
  upstream="$(gomod_of "k8s.io/kubernetes@$K8S_VERSION")"
  info="${upstream%.mod}.info"
  date="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info" 2>/dev/null || true)"
  date="${date:-1970-01-01T00:00:00Z}"
  # Staging modules: `k8s.io/X => ./staging/src/k8s.io/X` (in a replace block or single
  # line) become `k8s.io/X => k8s.io/X v0.<minor>.<patch>`.
  local replaces
  replaces="$(sed -nE 's#^[[:space:]]*(replace[[:space:]]+)?(k8s\.io/[^[:space:]]+)[[:space:]]+=>[[:space:]]+\./staging/src/[^[:space:]]+[[:space:]]*$#\2#p' "$upstream" | sort -u)"
  [ -n "$replaces" ] || die "found no staging replace lines in $upstream"
  rm -rf "$wrap"; mkdir -p "$wrap"
  {
    echo "// Generated by hack/controlplane/build.sh from k8s.io/kubernetes@$K8S_VERSION's go.mod."
    echo "module portside.local/k8s-wrapper"
    echo
    go_and_godebug "$upstream"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    local m
    for m in $replaces; do echo "	$m => $m $STAGING_VERSION"; done
    echo ")"
  } > "$wrap/go.mod"
  (cd "$wrap" && go build -trimpath -ldflags "$(ldflags_k8s "$date")" -o "$STAGE/" \
    "${@/#/k8s.io/kubernetes/cmd/}") || die "building $* $K8S_VERSION failed (see above)"
}

build_etcd() {
  local etcd_dir="$CACHE_ROOT/etcd-$ETCD_VERSION"
  if has_bins "$etcd_dir" etcd; then
    log "reusing $etcd_dir/etcd"
  else
    local wrap="$BUILD_ROOT/etcd-wrapper-$ETCD_VERSION" upstream
    log "building etcd $ETCD_VERSION in $wrap"
    upstream="$(gomod_of "go.etcd.io/etcd/server/v3@$ETCD_VERSION")"
    # Its sibling modules (`go.etcd.io/etcd/X => ../Y`) pinned to the same release.
    local siblings m
    siblings="$(sed -nE 's#^[[:space:]]*(replace[[:space:]]+)?(go\.etcd\.io/etcd/[^[:space:]]+)[[:space:]]+=>[[:space:]]+\.\./[^[:space:]]*[[:space:]]*$#\2#p' "$upstream" | sort -u)"
    rm -rf "$wrap"; mkdir -p "$wrap"
    {
      echo "// Generated by hack/controlplane/build.sh from go.etcd.io/etcd/server/v3@$ETCD_VERSION's go.mod."
      echo "module portside.local/etcd-wrapper"
      echo
      go_and_godebug "$upstream"
      echo
      echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
      if [ -n "$siblings" ]; then
        echo; echo "replace ("
        for m in $siblings; do echo "	$m => $m $ETCD_VERSION"; done
        echo ")"
      fi
    } > "$wrap/go.mod"
    mkdir -p "$etcd_dir"
    (cd "$wrap" && go build -trimpath \
      -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=module-$ETCD_VERSION" \
      -o "$STAGE/etcd.new" go.etcd.io/etcd/server/v3) \
      || die "building etcd $ETCD_VERSION failed (see above)"
    mv -f "$STAGE/etcd.new" "$etcd_dir/etcd"
  fi
  # Same filesystem: a hard link; else a copy, renamed into place.
  ln -f "$etcd_dir/etcd" "$STAGE/etcd" 2>/dev/null || cp -f "$etcd_dir/etcd" "$STAGE/etcd"
}

# Only what is missing: asking for `nodes` once the control plane is cached builds four.
missing=()
for b in "${K8S_CMDS[@]}"; do has_bins "$OUT_DIR" "$b" || missing+=("$b"); done
[ ${#missing[@]} -eq 0 ] || build_k8s "${missing[@]}"
has_bins "$OUT_DIR" etcd || { build_etcd; missing+=(etcd); }

for b in "${missing[@]}"; do
  [ -x "$STAGE/$b" ] || die "build produced no $b"
done
# etcd last: the warm-path check needs it, so a crash midway leaves a dir that is rebuilt
# (each mv is an atomic rename; no half-written binary is ever visible).
mkdir -p "$OUT_DIR"
for b in "${missing[@]}"; do
  mv -f "$STAGE/$b" "$OUT_DIR/$b"
done
log "done in $((SECONDS - start))s: $OUT_DIR"
# Read by the tests, which print the cold build time next to the start times: the control
# plane's (e2e/controlplane.apiserver.test.ts) and the nodes' (e2e/nodes).
if [[ " ${missing[*]} " == *" kube-apiserver "* ]]; then
  echo "$((SECONDS - start))" > "$OUT_DIR/build-seconds"
else
  echo "$((SECONDS - start))" > "$OUT_DIR/build-seconds-nodes"
fi
echo "$OUT_DIR" >&3
