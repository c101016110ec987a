#!/usr/bin/env bash
# `make image`: builds the Portside image from the Dockerfile with Debian's podman, as
# root, pulling from no container registry: BASE is the local stand-in for node:24-slim
# that hack/image/base.sh builds once per content. The build stage still reaches Debian's
# and npm's registries (apt-get, npm ci), as a user's `docker build` would; podman's layer
# cache (under ~/.cache/portside/containers) makes a warm build take seconds.
#
# Then the FRR image of `--bgp-backend frr` from frr-image/Dockerfile on the same base.
# Tags them localhost/portside:dev and localhost/portside-frr:dev, saves each as a docker
# archive that `ctr images import` takes (kept in the cache, one file per image ID), and
# prints on stdout, for `eval`:
#   PORTSIDE_IMAGE_ID=<64 hex>          what to run: the tag may move (another clone)
#   PORTSIDE_IMAGE_REF=localhost/portside:dev
FRR_REF=localhost/portside-frr:dev
#   PORTSIDE_IMAGE_ARCHIVE=<path>.tar   the image under that name
#   PORTSIDE_FRR_IMAGE_ID, PORTSIDE_FRR_IMAGE_REF, PORTSIDE_FRR_IMAGE_ARCHIVE   the same for FRR
# shellcheck source=hack/image/common.sh
. "$(dirname "$0")/common.sh"
exec 3>&1 1>&2

[ "$(id -u)" = 0 ] || die "building the image needs root (podman runs rootful here)"
"$REPO_ROOT/hack/deps.sh" --debian podman runc mmdebstrap
podman=("$IMAGE_DIR/podman.sh")
REF=localhost/portside:dev
FRR_REF=localhost/portside-frr:dev
archives="$CACHE_ROOT/image"
mkdir -p "$archives"

# One build at a time on this machine (clones share the cache and the tag).
exec 9>"$CACHE_ROOT/.image.lock"
if ! flock -n 9; then
  log "another image build holds $CACHE_ROOT/.image.lock; waiting"
  flock 9
fi

start=$SECONDS
base=$("$IMAGE_DIR/base.sh")

# Builds $3 (a Dockerfile) in context $4 as $2 and saves its archive; prints the
# <VAR>_ID/_REF/_ARCHIVE lines for variable prefix $1.
build() { # var ref dockerfile context
  local var=$1 ref=$2 iid id archive name
  iid=$(mktemp)
  # --network host: the build's apt-get and npm ci reach the registries as the host does
  # (its resolver, its CA file: see base.sh).
  "${podman[@]}" build --quiet --pull=never --layers --network host \
    --build-arg "BASE=$base" --iidfile "$iid" -t "$ref" -f "$3" "$4" >/dev/null
  id=$(sed 's/^sha256://' "$iid")
  rm -f "$iid"
  [[ "$id" =~ ^[0-9a-f]{64}$ ]] || die "podman build of $ref gave no image ID"
  name=${ref#localhost/}
  name=${name%%:*}
  archive="$archives/$name-${id:0:12}.tar"
  if [ ! -f "$archive" ]; then
    rm -f "$archive.partial"
    "${podman[@]}" save --quiet --format docker-archive -o "$archive.partial" "$ref"
    mv "$archive.partial" "$archive"
  fi
  touch "$archive"
  # Keep the three newest archives: another clone's test may still import its own.
  find "$archives" -maxdepth 1 -name "$name-????????????.tar" -printf '%T@ %p\n' | sort -rn | tail -n +4 | cut -d' ' -f2- | xargs -r rm -f
  log "$ref ($base) ready in $((SECONDS - start))s: $archive"
  printf '%s_ID=%s\n%s_REF=%s\n%s_ARCHIVE=%s\n' "$var" "$id" "$var" "$ref" "$var" "$archive" >&3
}

build PORTSIDE_IMAGE "$REF" "$REPO_ROOT/Dockerfile" "$REPO_ROOT"
build PORTSIDE_FRR_IMAGE "$FRR_REF" "$REPO_ROOT/frr-image/Dockerfile" "$REPO_ROOT/frr-image"
