#!/usr/bin/env bash
# Builds and caches the pause image real lab nodes run as every Pod's sandbox (e2e/nodes):
# `build/pause/linux/pause.c` from the k8s.io/kubernetes module the binaries are built from
# (hack/controlplane/build.sh), compiled with gcc -static as upstream's Makefile does, packed
# as an OCI archive the way upstream's Dockerfile lays it out (/pause, user 65535, entrypoint
# /pause). No registry, no Docker: `ctr images import` takes the archive.
#
# Prints exactly one line on stdout: the directory holding `image.tar` (the archive) and
# `ref` (the image name it carries, e.g. localhost/portside/pause:3.10.2).
#   dir=$(hack/nodes/pause-image.sh)
#
# Env overrides: K8S_VERSION (hack/controlplane/version.sh), PORTSIDE_CACHE_DIR.
set -euo pipefail

exec 3>&1 1>&2
log() { echo "pause-image: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# shellcheck source=hack/controlplane/version.sh
. "$(dirname "$0")/../controlplane/version.sh"
CACHE_ROOT="${PORTSIDE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portside}"
if [ "$K8S_VERSION" = latest ]; then
  res_file="$CACHE_ROOT/k8s-latest-${K8S_SERIES:-1.36}"
  [ -s "$res_file" ] || die "K8S_VERSION=latest: run hack/controlplane/build.sh first (it resolves the version)"
  K8S_VERSION="$(cat "$res_file")"
fi
OUT_DIR="$CACHE_ROOT/pause-k8s-$K8S_VERSION"

# Warm path: no go, no gcc, no lock.
if [ -s "$OUT_DIR/image.tar" ] && [ -s "$OUT_DIR/ref" ]; then
  echo "$OUT_DIR" >&3
  exit 0
fi

# shellcheck source=hack/gobuild.sh
. "$(dirname "$0")/../gobuild.sh"
command -v go >/dev/null || die "go not found on PATH (it fetches the k8s.io/kubernetes source)"
command -v gcc >/dev/null || die "gcc not found (hack/deps.sh installs gcc and libc6-dev)"
hold_lock "$CACHE_ROOT/.pause.lock"
if [ -s "$OUT_DIR/image.tar" ] && [ -s "$OUT_DIR/ref" ]; then
  echo "$OUT_DIR" >&3
  exit 0
fi

start=$SECONDS
STAGE="$CACHE_ROOT/pause.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
trap 'exit 130' INT TERM HUP

src="$(cd "$STAGE" && GOFLAGS='' GOTOOLCHAIN=local go mod download -json "k8s.io/kubernetes@$K8S_VERSION" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[ -f "$src/build/pause/linux/pause.c" ] || die "no build/pause/linux/pause.c in k8s.io/kubernetes@$K8S_VERSION ($src)"
tag="$(sed -n 's/^TAG ?= *\([0-9][0-9.]*\)$/\1/p' "$src/build/pause/Makefile")"
[ -n "$tag" ] || die "no TAG in $src/build/pause/Makefile"
ref="localhost/portside/pause:$tag"
log "building $ref from k8s.io/kubernetes@$K8S_VERSION"

# Upstream's CFLAGS (build/pause/Makefile), version string included.
mkdir -p "$STAGE/rootfs" "$STAGE/oci/blobs/sha256"
gcc -Os -Wall -Werror -static -DVERSION="v$tag-$K8S_VERSION" -o "$STAGE/rootfs/pause" "$src/build/pause/linux/pause.c"
strip "$STAGE/rootfs/pause"
chmod 0755 "$STAGE/rootfs/pause"

# A blob named by its digest; prints "sha256:<hex> <size>".
blob() { # file
  local d
  d="$(sha256sum "$1" | cut -d' ' -f1)"
  mv "$1" "$STAGE/oci/blobs/sha256/$d"
  echo "sha256:$d $(stat -c %s "$STAGE/oci/blobs/sha256/$d")"
}

# One uncompressed layer, reproducible: fixed order, owner and time.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$STAGE/rootfs" -cf "$STAGE/layer.tar" pause
read -r layer layer_size < <(blob "$STAGE/layer.tar")
cat > "$STAGE/config.json" <<EOF
{"architecture":"$(go env GOARCH)","os":"linux","config":{"User":"65535:65535","Entrypoint":["/pause"]},"rootfs":{"type":"layers","diff_ids":["$layer"]},"history":[{"created_by":"hack/nodes/pause-image.sh: gcc -static build/pause/linux/pause.c (k8s.io/kubernetes@$K8S_VERSION)"}]}
EOF
read -r config config_size < <(blob "$STAGE/config.json")
cat > "$STAGE/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"$config","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"$layer","size":$layer_size}]}
EOF
read -r manifest manifest_size < <(blob "$STAGE/manifest.json")
# io.containerd.image.name: the name `ctr images import` gives the image.
cat > "$STAGE/oci/index.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"$manifest","size":$manifest_size,"annotations":{"io.containerd.image.name":"$ref","org.opencontainers.image.ref.name":"$tag"}}]}
EOF
echo '{"imageLayoutVersion":"1.0.0"}' > "$STAGE/oci/oci-layout"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$STAGE/oci" -cf "$STAGE/image.tar" oci-layout index.json blobs

mkdir -p "$OUT_DIR"
echo "$ref" > "$STAGE/ref"
mv -f "$STAGE/image.tar" "$OUT_DIR/image.tar"
# ref last: the warm path needs both.
mv -f "$STAGE/ref" "$OUT_DIR/ref"
log "done in $((SECONDS - start))s: $OUT_DIR ($ref, $(stat -c %s "$OUT_DIR/image.tar") bytes)"
echo "$OUT_DIR" >&3
