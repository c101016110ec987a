#!/usr/bin/env bash
# Builds and caches MetalLB's controller (go.universe.tf/metallb, its controller/ package,
# from the Go module proxy with the machine's Go), the reference `bench/controller-start.ts`
# starts beside Portside's controller with BENCH_METALLB=1. Benchmarks only: no test needs it.
#
# Prints exactly one line on stdout: the binary and the module's directory (its
# config/crd/bases holds the CRDs the controller reads), separated by a space. Progress and
# errors go to stderr.
#   read -r bin dir < <(hack/metallb-controller.sh)
#
# Env overrides:
#   METALLB_CONTROLLER_VERSION  go.universe.tf/metallb version (default below)
#   PORTSIDE_CACHE_DIR          cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/portside)
set -euo pipefail

# v0.15.3: v0.16.x requires github.com/metallb/frr-k8s v0.0.27, which this machine's module
# proxy refuses (403); v0.15.3's frr-k8s v0.0.21 is served.
METALLB_CONTROLLER_VERSION="${METALLB_CONTROLLER_VERSION:-v0.15.3}"

exec 3>&1 1>&2
log() { echo "metallb-controller: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ "$METALLB_CONTROLLER_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] \
  || die "METALLB_CONTROLLER_VERSION must look like vN.M.K, got '$METALLB_CONTROLLER_VERSION'"

CACHE_ROOT="${PORTSIDE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portside}"
OUT_DIR="$CACHE_ROOT/metallb-$METALLB_CONTROLLER_VERSION"

# Warm path: no go, no network, no lock.
if [ -x "$OUT_DIR/controller" ] && [ -d "$OUT_DIR/module/config/crd/bases" ]; then
  echo "$OUT_DIR/controller $OUT_DIR/module" >&3
  exit 0
fi

# shellcheck source=hack/gobuild.sh
. "$(dirname "$0")/gobuild.sh"
go_build_env "MetalLB's controller" -mod=mod
hold_lock "$CACHE_ROOT/.metallb.lock"

STAGE="$CACHE_ROOT/metallb.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
dir="$(cd "$STAGE" && go mod download -json "go.universe.tf/metallb@$METALLB_CONTROLLER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\([^"]*\)".*/\1/p')" \
  || die "go mod download go.universe.tf/metallb@$METALLB_CONTROLLER_VERSION failed"
[ -d "$dir/controller" ] || die "no controller/ in $dir"
# The module cache is read-only; the build may write go.sum: a copy.
cp -r "$dir" "$STAGE/module"
chmod -R u+w "$STAGE/module"
log "building MetalLB $METALLB_CONTROLLER_VERSION's controller"
(cd "$STAGE/module" && go build -o "$STAGE/controller" ./controller) || die "go build ./controller failed"
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"
mv "$STAGE/controller" "$OUT_DIR/controller"
mv "$STAGE/module" "$OUT_DIR/module"
echo "$OUT_DIR/controller $OUT_DIR/module" >&3
