#!/bin/sh
# Builds crictl, Kubernetes' command line of the CRI (sigs.k8s.io/cri-tools),
# into $1 unless it is there already. The CRI tests drive berth's CRI socket
# with it; .ci/run builds it once per machine.
set -eu
out=${1:-/var/cache/berth-test/crictl}
version=v1.37.0
. "$(dirname "$0")/tool-cache.sh"
GOBIN="$work" go install "sigs.k8s.io/cri-tools/cmd/crictl@$version"
mv "$work/crictl" "$out"
