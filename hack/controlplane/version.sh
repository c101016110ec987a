# shellcheck shell=bash
# The Kubernetes release the tests run, sourced by hack/controlplane/build.sh (binaries) and
# hack/nodes/pause-image.sh (the pause image, from the same module's source).
# Newest v1.36.x that the proxy serves AND the checksum database verifies (checked when
# this was written: v1.36.5 is on the proxy but not in sum.golang.org; v1.36.6 is 403).
K8S_VERSION="${K8S_VERSION:-v1.36.4}"
