#!/usr/bin/env bash
# Builds and caches the real `helm` and `kustomize` that render and check config/
# (helm.sh/helm/v4 and sigs.k8s.io/kustomize/kustomize/v5 from the Go module proxy, with
# the machine's Go), the way hack/controlplane/build.sh builds the control plane.
#
# Prints exactly one line on stdout: the directory holding helm and kustomize. Progress
# and errors go to stderr.
#   dir=$(hack/tools/build.sh)
#
# Env overrides:
#   HELM_VERSION         helm.sh/helm/v4 version (default below)
#   KUSTOMIZE_VERSION    sigs.k8s.io/kustomize/kustomize/v5 version (default below)
#   PORTSIDE_CACHE_DIR   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/portside)
set -euo pipefail

# Newest releases that build with Go 1.26 (checked when this was written: kustomize
# v5.8.3 needs go >= 1.27). The directory name carries both versions: a bump rebuilds, and
# config/manifests.test.ts checks that the binaries report them.
HELM_VERSION="${HELM_VERSION:-v4.3.2}"
KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.2}"

# Everything goes to stderr except the final path, printed on fd 3.
exec 3>&1 1>&2

log() { echo "tools: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$HELM_VERSION" =~ ^v4\.[0-9]+\.[0-9]+$ ]] || die "HELM_VERSION must look like v4.N.M, got '$HELM_VERSION'"
[[ "$KUSTOMIZE_VERSION" =~ ^v5\.[0-9]+\.[0-9]+$ ]] \
  || die "KUSTOMIZE_VERSION must look like v5.N.M, got '$KUSTOMIZE_VERSION'"

CACHE_ROOT="${PORTSIDE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portside}"
OUT_DIR="$CACHE_ROOT/tools-helm-$HELM_VERSION-kustomize-$KUSTOMIZE_VERSION"

has_bins() { [ -x "$OUT_DIR/helm" ] && [ -x "$OUT_DIR/kustomize" ]; }

# Warm path: no go, no network, no lock.
if has_bins; then
  echo "$OUT_DIR" >&3
  exit 0
fi

# shellcheck source=hack/gobuild.sh
. "$(dirname "$0")/../gobuild.sh"
go_build_env "helm and kustomize"
# Its own lock: a control-plane build holding .build.lock need not hold this one up.
hold_lock "$CACHE_ROOT/.tools.lock"
# Re-check under the lock: a concurrent caller may just have finished.
if has_bins; then
  echo "$OUT_DIR" >&3
  exit 0
fi

STAGE="$CACHE_ROOT/tools.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
trap 'exit 130' INT TERM HUP
# Staging dirs of builds that were killed (we hold the lock: no other build is running).
find "$CACHE_ROOT" -maxdepth 1 -name 'tools.*' ! -name "tools.$$" -exec rm -rf {} +

# The release time the proxy records for module@version (stamped as the build date, so
# a rebuild gives the same binary).
release_time() { # module@version
  local t
  t="$(cd "$STAGE" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"Time": "\([^"]*\)".*/\1/p')" \
    || die "go mod download $1 failed"
  echo "${t:-1970-01-01T00:00:00Z}"
}

start=$SECONDS

log "building helm $HELM_VERSION"
# As helm's Makefile stamps a release (`helm version` prints the pinned version).
helm_ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
helm_ldflags+=" -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
(cd "$STAGE" && GOBIN="$STAGE" go install -trimpath -ldflags "$helm_ldflags" \
  "helm.sh/helm/v4/cmd/helm@$HELM_VERSION") || die "building helm $HELM_VERSION failed (see above)"

log "building kustomize $KUSTOMIZE_VERSION"
# kustomize reads its version from the build info; the date comes only from ldflags.
kustomize_date="$(release_time "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION")"
kustomize_ldflags="-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$KUSTOMIZE_VERSION"
kustomize_ldflags+=" -X sigs.k8s.io/kustomize/api/provenance.buildDate=$kustomize_date"
(cd "$STAGE" && GOBIN="$STAGE" go install -trimpath -ldflags "$kustomize_ldflags" \
  "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION") \
  || die "building kustomize $KUSTOMIZE_VERSION failed (see above)"

for b in helm kustomize; do [ -x "$STAGE/$b" ] || die "build produced no $b"; done
mkdir -p "$OUT_DIR"
# kustomize last: the warm-path check needs both, and each mv is an atomic rename.
mv -f "$STAGE/helm" "$OUT_DIR/helm"
mv -f "$STAGE/kustomize" "$OUT_DIR/kustomize"
log "done in $((SECONDS - start))s: $OUT_DIR"
echo "$((SECONDS - start))" > "$OUT_DIR/build-seconds"
echo "$OUT_DIR" >&3
