#!/usr/bin/env bash
# Fetches MetalLB's Go module (its configsamples/ and website examples) from the Go module
# proxy into the Go module cache with the machine's Go, and prints the module's directory.
# Nothing is copied into the repo: the compatibility test reads the samples in place.
#   dir=$(hack/metallb-module.sh)        METALLB_VERSION overrides the version.
set -euo pipefail
METALLB_VERSION="${METALLB_VERSION:-v0.16.2}"
exec 3>&1 1>&2
log() { echo "metallb-module: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ "$METALLB_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "METALLB_VERSION must look like vN.M.K, got '$METALLB_VERSION'"
# shellcheck source=hack/gobuild.sh
. "$(dirname "$0")/gobuild.sh"
go_build_env "the MetalLB module"
# Warm path: the module cache already holds it (no network).
cached="$(go env GOMODCACHE)/go.universe.tf/metallb@$METALLB_VERSION"
if [ -d "$cached/configsamples" ]; then
  echo "$cached" >&3
  exit 0
fi
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
dir="$(cd "$stage" && go mod download -json "go.universe.tf/metallb@$METALLB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\([^"]*\)".*/\1/p')" \
  || die "go mod download go.universe.tf/metallb@$METALLB_VERSION failed"
[ -d "$dir/configsamples" ] || die "no configsamples/ in $dir"
echo "$dir" >&3
