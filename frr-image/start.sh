#!/bin/bash
# The FRR container's entrypoint, as FRR's own docker-start: watchfrr in the foreground (PID 1)
# starts the daemons /etc/frr/daemons enables, applies /etc/frr/frr.conf to each as it comes
# up (vtysh -b, through frrcommon.sh), and restarts any that dies or hangs. The configuration
# the speaker renders is the reloader's business (reloader.sh).
set -eo pipefail
# What frrcommon.sh calls to report (frrinit.sh and watchfrr.sh define them likewise).
log_success_msg() { echo "frr: $*"; }
log_warning_msg() { echo "frr: $*" >&2; }
log_failure_msg() { echo "frr: ERROR: $*" >&2; }
# shellcheck source=/dev/null
. /usr/lib/frr/frrcommon.sh
# shellcheck disable=SC2046 # one word per daemon
exec /usr/lib/frr/watchfrr $(daemon_list)
