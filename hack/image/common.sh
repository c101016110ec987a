# shellcheck shell=bash
# Sourced by the hack/image scripts: strict mode, where things are, how they speak.
set -euo pipefail
IMAGE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$IMAGE_DIR/../.." && pwd)
CACHE_ROOT="${PORTSIDE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portside}"
export REPO_ROOT CACHE_ROOT

log() { echo "image: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
