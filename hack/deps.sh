#!/usr/bin/env bash
# Installs what the tests need beyond npm: Debian packages (as root), the control-plane
# and node binaries, the pause image and helm + kustomize (built from the Go module proxy,
# cached outside the clone) and the native addon.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_pkgs=(frr gobgpd bird2 iproute2 nftables tcpdump openssl curl shellcheck)
# `make lab BGP_BACKEND=frr`: the sidecar FRR's reloader (frr-image/reloader.sh) on the host.
debian_pkgs+=(frr-pythontools python3 inotify-tools)
# Real lab nodes (e2e/nodes): the container runtime and the pod network's CNI plugins; gcc
# and a static libc build the pause image (hack/nodes/pause-image.sh).
debian_pkgs+=(containerd runc containernetworking-plugins gcc libc6-dev)
missing=()
# `hack/deps.sh --debian PKG...` installs only those Debian packages (hack/image/build.sh).
[ "${1:-}" != --debian ] || debian_pkgs=("${@:2}")
for p in "${debian_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # Two clones installing at once would fight over dpkg's lock: take turns.
    exec 8>/tmp/portside-apt.lock
    flock 8
    apt-get update -qq >/dev/null
    # Packaged daemons must not start as system services: tests start their own.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    rm -f /usr/sbin/policy-rc.d
    exec 8>&-
  else
    echo "deps: not root, cannot install Debian packages: ${missing[*]} (tests that need them will skip or fail)" >&2
  fi
fi
[ "${1:-}" != --debian ] || exit 0

# The control plane, and what real lab nodes run (kubelet, kube-proxy, kubectl,
# kube-scheduler; the pause image): built once, cached outside the clone.
if [ -x hack/controlplane/build.sh ]; then
  hack/controlplane/build.sh nodes >/dev/null
  hack/nodes/pause-image.sh >/dev/null
fi

# helm and kustomize render config/ (make generate) and check it (make test); a cold build
# takes minutes (build.sh says so as it goes), a warm one no time.
tools_start=$SECONDS
tools_dir="$(hack/tools/build.sh)"
echo "deps: helm and kustomize ready in $((SECONDS - tools_start))s: $tools_dir" >&2

native/build.sh
