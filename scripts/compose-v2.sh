#!/bin/sh
# Builds docker compose v2 (the docker CLI plugin, also a standalone
# binary) from the Go module cache into $1 unless it is there already:
# `go install` refuses the module (exclude directives in its go.mod).
# The integration tests drive it against berth's socket; .ci/run builds
# it once per machine.
set -eu
out=${1:-/var/cache/berth-test/docker-compose}
version=v2.40.3
. "$(dirname "$0")/tool-cache.sh"
dir=$(go mod download -json "github.com/docker/compose/v2@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "compose-v2.sh: go mod download gave no directory" >&2; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && go build -trimpath -o "$out.tmp" ./cmd)
mv "$out.tmp" "$out"
