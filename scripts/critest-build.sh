#!/bin/sh
# Builds critest, Kubernetes' CRI validation suite (sigs.k8s.io/cri-tools),
# into $1 unless it is there already, and fetches into $1-debs the Debian
# packages whose programs scripts/critest.sh puts in the suite's test
# images (nginx, and busybox built without the standalone shell). .ci/run
# builds it once per machine.
set -eu
out=${1:-/var/cache/berth-test/critest}
version=v1.37.0
debs="$out-debs"
mkdir -p "$debs"
(
	flock 8
	[ -e "$debs/done" ] || { (cd "$debs" && apt-get download nginx busybox) && touch "$debs/done"; }
) 8>"$debs.lock"
. "$(dirname "$0")/tool-cache.sh"
dir=$(go mod download -json "sigs.k8s.io/cri-tools@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp -r "$dir" "$work/src" && chmod -R u+w "$work/src"
(cd "$work/src" && go test -c -o "$work/critest" ./cmd/critest)
mv "$work/critest" "$out"
