# shellcheck shell=bash
# Sourced by the scripts that build Go programs from the module proxy into the cache
# (hack/controlplane/build.sh, hack/tools/build.sh); they define log and die first.

# The machine's Go, for the machine, statically linked; extra GOFLAGS as $1.
go_build_env() { # what-is-built [goflags]
  command -v go >/dev/null || die "go not found on PATH (needed to build $1)"
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${2:+$2 }-buildvcs=false" GOWORK=off
  # Build for the machine: ignore a GOOS/GOARCH/GOBIN left in the environment.
  unset GOOS GOARCH GOBIN
}

# Holds an exclusive lock on fd 9 until the script exits, saying so when it must wait.
hold_lock() { # lock-file
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  if ! flock -n 9; then
    log "another build holds $1; waiting"
    flock 9
  fi
}
