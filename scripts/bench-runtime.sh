#!/usr/bin/env bash
# bench-runtime.sh measures create+start+wait+delete of `true` in a busybox
# bundle for `berth runtime`, runc and crun, interleaved round-robin, and
# prints median and p90 per runtime plus the berth/runc and berth/crun ratios
# (see bench/runtime/doc.go for what exactly is timed).
#
# Usage: scripts/bench-runtime.sh [-n N] [-o FILE] [bench flags] [RUNTIME...]
#   -n N      iterations (default 50)
#   -o FILE   also write the report to FILE
#   RUNTIME   "[label=]command [args]"; default: runc, crun and, when
#             bin/berth exists, "berth=bin/berth runtime" (BERTH=path picks
#             another berth binary).
# Other flags (-warmup, -modes run,seq, -workdir, -root, ...) go to the Go
# program. Needs root and Go; builds the program into a temporary directory.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=""
flags=()
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	-n) flags+=(-n "$2"); shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) flags+=("$1" "$2"); shift 2 ;;
	*) break ;;
	esac
done
if [ $# -eq 0 ]; then
	set -- runc
	command -v crun >/dev/null && set -- "$@" crun
	berth=${BERTH:-$REPO/bin/berth}
	[ -x "$berth" ] && set -- "$@" "berth=$berth runtime"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$REPO" && GOFLAGS=-buildvcs=false go build -o "$tmp/bench-runtime" ./bench/runtime)
if [ -n "$out" ]; then
	"$tmp/bench-runtime" "${flags[@]}" "$@" | tee "$out"
else
	"$tmp/bench-runtime" "${flags[@]}" "$@"
fi
