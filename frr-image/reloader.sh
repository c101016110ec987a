#!/bin/sh
# The FRR container's half of the reload protocol with `portside speaker --bgp-backend frr`
# (docs/bgp-backends.md). The speaker writes the whole configuration to $DIR/frr.conf and then
# a generation number to $DIR/reload.request, each atomically. This script waits for the
# request to change (inotifywait, re-checking every $PORTSIDE_FRR_RECHECK_S seconds anyway),
# applies frr.conf as a diff with FRR's own frr-reload.py (an unrelated change never resets a
# session) and answers in $DIR/reload.status, atomically, with one JSON line:
#   {"generation":N,"ok":true|false,"exitCode":E,"at":"<UTC time>","output":"<last 4 KB>"}
# A failed reload leaves FRR on its previous configuration (frr-reload.py checks the whole
# file before it changes anything); the next request is tried as it comes. At start, an
# frr.conf already there is applied under the generation in reload.request.
#
# Environment: PORTSIDE_FRR_CONFIG_DIR (default /etc/frr-portside), FRR_VTY_SOCKET (default
# /var/run/frr), FRR_RELOAD (default /usr/lib/frr/frr-reload.py), PORTSIDE_FRR_RECHECK_S (5).
set -u

dir=${PORTSIDE_FRR_CONFIG_DIR:-/etc/frr-portside}
vty=${FRR_VTY_SOCKET:-/var/run/frr}
reload=${FRR_RELOAD:-/usr/lib/frr/frr-reload.py}
recheck=${PORTSIDE_FRR_RECHECK_S:-5}
conf=$dir/frr.conf
request=$dir/reload.request

log() { printf '%s reloader: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

# The generation in reload.request: its digits, 0 when there is none.
generation() {
  gen=$(head -n 1 "$request" 2>/dev/null | tr -cd '0-9')
  echo "${gen:-0}"
}

# Writes reload.status for generation $1, exit code $2, output in file $3 (JSON built by
# python3, which frr-reload.py needs anyway: every byte of the output escaped correctly).
answer() {
  python3 - "$1" "$2" "$3" > "$dir/.reload.status.tmp" <<'EOF'
import datetime, json, sys
generation, code, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(path, 'rb') as f:
    output = f.read()[-4096:].decode('utf-8', 'replace')
at = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
print(json.dumps({'generation': generation, 'ok': code == 0, 'exitCode': code, 'at': at, 'output': output}))
EOF
  mv -f "$dir/.reload.status.tmp" "$dir/reload.status"
}

# zebra's netns-VRF bindings as its running configuration shows them: with `zebra -n` (kernels
# without VRF devices) each namespace in /run/netns is a VRF, printed as `vrf NAME` /
# ` netns PATH`. Portside knows VRF names only, so frr.conf has no such lines; without them
# frr-reload.py would send `no netns PATH` and unbind the VRF (its sessions go). Empty output
# with VRF devices or no VRF at all.
netns_bindings() {
  vtysh --vty_socket "$vty" -c 'show running-config' 2>/dev/null | awk '
    /^vrf [^ ]+$/ { vrf = $0; next }
    vrf != "" && /^ netns [^ ]+$/ { print vrf; print $0; print "exit-vrf"; print "!" }
    /^[^ ]/ { vrf = "" }'
}

# Applies frr.conf under generation $1 (with zebra's netns-VRF bindings kept, above).
# --confdir is the shared directory, so frr-reload.py never runs `write` (the file it reads is
# its target) and never touches /etc/frr.
apply() {
  out="$dir/.reload.out"
  target=$conf
  bindings=$(netns_bindings)
  if [ -n "$bindings" ]; then
    target="$dir/.frr.conf.netns"
    { printf '%s\n' "$bindings"; cat "$conf"; } > "$target"
  fi
  python3 "$reload" --reload --stdout --bindir /usr/bin --confdir "$dir" --rundir "$dir" \
    --vty_socket "$vty" "$target" > "$out" 2>&1
  code=$?
  answer "$1" "$code" "$out"
  if [ "$code" -eq 0 ]; then
    log "generation $1 applied"
  else
    log "generation $1 failed (exit $code): $(tail -n 3 "$out" | tr '\n' ' ')"
  fi
  rm -f "$out"
}

# Returns when something in the directory changed, or after $recheck seconds. In the
# background, so SIGTERM (the container stopping: PID 1 has no default action) ends us at once.
wait_change() {
  inotifywait -qq -t "$recheck" -e close_write -e moved_to -e create "$dir" 2>/dev/null &
  waiter=$!
  wait "$waiter"
  status=$?
  waiter=
  # 0: an event, 2: the timeout; anything else (no inotifywait, no inotify): poll.
  case $status in 0|2) ;; *) sleep "$recheck" ;; esac
}
trap '[ -z "${waiter:-}" ] || kill "$waiter" 2>/dev/null; exit 0' TERM INT

mkdir -p "$dir"
# vtysh, run by frr-reload.py with --config_dir "$dir", reads its vtysh.conf there.
[ -f "$dir/vtysh.conf" ] || echo 'service integrated-vtysh-config' > "$dir/vtysh.conf"
# FRR first: a reload before the daemons answer would fail for nothing.
until vtysh --vty_socket "$vty" -c 'show version' >/dev/null 2>&1; do
  [ -n "${waited:-}" ] || log "waiting for FRR's vty sockets in $vty"
  waited=1
  sleep 1
done
log "watching $request (FRR: $vty)"
applied=
while :; do
  want=$(generation)
  if [ "$want" != "$applied" ] && [ -s "$conf" ]; then
    apply "$want"
    applied=$want
    continue
  fi
  wait_change
done
