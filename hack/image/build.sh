#!/usr/bin/env bash
# `make image`: builds the Portside image from the Dockerfile with Debian's podman, as
# root, pulling from no container registry: BASE is the local stand-in for node:24-slim
# that hack/image/base.sh builds once per content. The build stage still reaches Debian's
# and npm's registries (apt-get, npm ci), as a user's `docker build` would; podman's layer
# cache (under ~/.cache/portside/containers) makes a warm build take seconds.
#
# Tags the image localhost/portside:dev, saves it as a docker archive that
# `ctr images import` takes (kept in the cache, one file per image ID), and prints on
# stdout, for `eval`:
#   PORTSIDE_IMAGE_ID=<64 hex>          what to run: the tag may move (another clone)
#   PORTSIDE_IMAGE_REF=localhost/portside:dev
#   PORTSIDE_IMAGE_ARCHIVE=<path>.tar   the image under that name
# shellcheck source=hack/image/common.sh
. "$(dirname "$0")/common.sh"
exec 3>&1 1>&2

[ "$(id -u)" = 0 ] || die "building the image needs root (podman runs rootful here)"
"$REPO_ROOT/hack/deps.sh" --debian podman runc mmdebstrap
podman=("$IMAGE_DIR/podman.sh")
REF=localhost/portside:dev
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
iid=$(mktemp)
trap 'rm -f "$iid"' EXIT
# --network host: the build stage's apt-get and npm ci reach the registries as the host
# does (its resolver, its CA file: see base.sh).
"${podman[@]}" build --quiet --pull=never --layers --network host \
  --build-arg "BASE=$base" --iidfile "$iid" -t "$REF" -f "$REPO_ROOT/Dockerfile" "$REPO_ROOT" >/dev/null
id=$(sed 's/^sha256://' "$iid")
[[ "$id" =~ ^[0-9a-f]{64}$ ]] || die "podman build gave no image ID"

archive="$archives/portside-${id:0:12}.tar"
if [ ! -f "$archive" ]; then
  rm -f "$archive.partial"
  "${podman[@]}" save --quiet --format docker-archive -o "$archive.partial" "$REF"
  mv "$archive.partial" "$archive"
fi
touch "$archive"
# Keep the three newest archives: another clone's test may still import its own.
find "$archives" -maxdepth 1 -name 'portside-*.tar' -printf '%T@ %p\n' | sort -rn | tail -n +4 | cut -d' ' -f2- | xargs -r rm -f
log "$REF ($base) ready in $((SECONDS - start))s: $archive"
printf 'PORTSIDE_IMAGE_ID=%s\nPORTSIDE_IMAGE_REF=%s\nPORTSIDE_IMAGE_ARCHIVE=%s\n' "$id" "$REF" "$archive" >&3
