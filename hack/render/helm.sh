#!/usr/bin/env bash
# Builds and caches a real `helm` (helm.sh/helm/v3 from the Go module proxy, with the
# machine's Go) for the chart tests. Prints one line on stdout: the path of the binary.
#   helm=$(hack/render/helm.sh)
# Env: HELM_VERSION (default below), PORTSIDE_CACHE_DIR (default ~/.cache/portside).
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
exec 3>&1 1>&2
cache="${PORTSIDE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portside}/helm-$HELM_VERSION"
if [ -x "$cache/helm" ]; then echo "$cache/helm" >&3; exit 0; fi
command -v go >/dev/null || { echo "helm.sh: go not found on PATH (needed to build helm)" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
unset GOOS GOARCH GOWORK
mkdir -p "$(dirname "$cache")"
exec 9>"$cache.lock"
flock 9
if [ ! -x "$cache/helm" ]; then
  echo "helm.sh: building helm $HELM_VERSION into $cache (once)" >&2
  rm -rf "$cache.partial"
  GOBIN="$cache.partial" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$cache"
  mv "$cache.partial" "$cache"
fi
echo "$cache/helm" >&3
