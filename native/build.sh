#!/usr/bin/env bash
# Builds native/build/Release/portside_native.node (N-API 8: one build serves Node
# 20-24) against local Node headers; node-gyp cannot download headers here.
# Idempotent: does nothing when the addon is newer than every source.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$here/build/Release/portside_native.node"

if [ -f "$out" ] && [ -z "$(find "$here/binding.gyp" "$here/build.sh" "$here/src" -newer "$out" -print -quit)" ]; then
  exit 0
fi

node_bin=$("$root/hack/node-bin.sh")
export PATH="$node_bin:$root/node_modules/.bin:$PATH"
# The Makefile exports npm_config_nodedir; outside make use the node from hack/node-bin.sh.
nodedir=${npm_config_nodedir:-$(dirname "$node_bin")}
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "native/build.sh: no Node headers in $nodedir/include/node (set npm_config_nodedir)" >&2
  exit 1
fi

# Two concurrent builds would delete each other's build/ directory.
exec 9>"${TMPDIR:-/tmp}/portside-native-build.$(id -u).lock"
flock 9
if [ -f "$out" ] && [ -z "$(find "$here/binding.gyp" "$here/build.sh" "$here/src" -newer "$out" -print -quit)" ]; then
  exit 0
fi

echo "native/build.sh: building $out" >&2
cd "$here"
node-gyp rebuild --nodedir="$nodedir" --jobs=max --loglevel=warn >&2
test -f "$out"
