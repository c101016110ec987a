#!/usr/bin/env bash
# Runs Debian's podman (as root) with Portside's own container settings, written here into
# the cache so that nothing is set by hand on the machine and the machine's own podman
# setup is left alone:
#   - storage under the cache (overlay when the kernel mounts it, else vfs);
#   - runc: crun refuses this machine's hybrid (v1) cgroups; cgroupfs, no systemd;
#   - default rlimits at the current hard limits: no runtime may raise a hard limit here
#     (runc: "error setting rlimit type N"), and podman asks root's containers for more;
#   - a CNI config dir of its own, so no podman network lands in /etc/cni/net.d where a
#     kubelet's container runtime would read it;
#   - no registry to search: every image here is built locally.
#   hack/image/podman.sh images
# shellcheck source=hack/image/common.sh
. "$(dirname "$0")/common.sh"
[ "$(id -u)" = 0 ] || die "podman runs as root here (no rootless setup): run as root"
command -v podman >/dev/null || die "podman not found: hack/image/build.sh installs it (hack/deps.sh --debian)"

conf_dir="$CACHE_ROOT/containers"
# Each storage needs a run root of its own (locks, mounts): one per cache.
run_dir=/run/portside-containers/$(echo "$conf_dir" | sha256sum | cut -c1-12)
mkdir -p "$conf_dir" "$run_dir"

overlay_works() {
  local d ok=1
  d=$(mktemp -d)
  mkdir "$d/l" "$d/u" "$d/w" "$d/m"
  if mount -t overlay overlay -o "lowerdir=$d/l,upperdir=$d/u,workdir=$d/w" "$d/m" 2>/dev/null; then
    umount "$d/m"
    ok=0
  fi
  rm -rf "$d"
  return "$ok"
}

# The driver is probed once per cache: a graphroot cannot change driver.
if [ ! -s "$conf_dir/driver" ]; then
  if overlay_works; then echo overlay >"$conf_dir/driver"; else echo vfs >"$conf_dir/driver"; fi
fi
driver=$(<"$conf_dir/driver")

# Podman lowers its own RLIMIT_NPROC to 32768 before it starts a container (seen with
# strace), so that is the most a container can get whatever the shell's limit.
min() { if [ "$1" = unlimited ] || [ "$1" -gt "$2" ]; then echo "$2"; else echo "$1"; fi; }
nofile=$(min "$(ulimit -Hn)" 1048576)
nproc=$(min "$(ulimit -Hu)" 32768)

# Writes $2 to $1 only when it changed: concurrent callers see a whole file.
write_if_changed() {
  if [ ! -f "$1" ] || [ "$(<"$1")" != "$2" ]; then
    printf '%s\n' "$2" >"$1.$$"
    mv -f "$1.$$" "$1"
  fi
}

write_if_changed "$conf_dir/containers.conf" "[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]

[engine]
runtime = \"runc\"
cgroup_manager = \"cgroupfs\"
events_logger = \"file\"
tmp_dir = \"$run_dir/libpod\"

[network]
network_backend = \"cni\"
network_config_dir = \"$conf_dir/cni\""

write_if_changed "$conf_dir/storage.conf" "[storage]
driver = \"$driver\"
graphroot = \"$conf_dir/storage-$driver\"
runroot = \"$run_dir/storage\""

write_if_changed "$conf_dir/registries.conf" 'unqualified-search-registries = []'

export CONTAINERS_CONF="$conf_dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$conf_dir/storage.conf"
export CONTAINERS_REGISTRIES_CONF="$conf_dir/registries.conf"
exec podman "$@"
