#!/usr/bin/env bash
# Benchmark: containers per second with 8 concurrent clients, berth against
# Docker (Debian's docker.io with its own bridge, in a network namespace of
# its own), both on their default bridge, the engines alternating round by
# round:
#
#   50 × run -d busybox sleep 3600     200 × create busybox true
#
# Each round times the whole batch (8 CLI processes at a time, one command
# each), then removes what it made (untimed). Prints per case and engine the
# median and p90 of a round in ms, the failed commands, and the berth/docker
# ratio of the containers per second of the median rounds.
#
#   scripts/bench-throughput.sh [ROUNDS]   (default 3; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
R=${1:-3}
. "$(dirname "$0")/bench-lib.sh" throughput
busybox_tar
start_berth
start_dockerd netns
import_busybox

export -f cli
export BERTH DOCKER_SOCK

declare -A T COUNT
declare -A FAILED=()
# batch CASE ENGINE COUNT ARGS...: COUNT commands, 8 at a time; appends the
# batch's µs to T[CASE/ENGINE] and counts the failed commands.
batch() {
	local k=$1/$2 e=$2 n=$3 s t ok
	shift 3
	COUNT[$k]=$n
	s=$(now)
	ok=$(seq "$n" | xargs -P 8 -I{} bash -c 'cli "$@" >/dev/null 2>&1 && echo ok' _ "$e" "$@" | wc -l)
	t=$(now)
	T[$k]+="$(((t - s) / 1000)) "
	FAILED[$k]=$((${FAILED[$k]:-0} + n - ok))
}
clean() { # engine
	local ids
	ids=$(cli "$1" ps -aq)
	[ -z "$ids" ] || cli "$1" rm -f $ids >/dev/null
}

engines=(berth docker)
cases=(run-d create)
round() {
	batch run-d "$1" 50 run -d busybox sleep 3600
	clean "$1"
	batch create "$1" 200 create busybox true
	clean "$1"
}
for e in "${engines[@]}"; do batch run-d "$e" 8 run -d busybox sleep 3600; clean "$e"; done # warm-up
T=()
FAILED=()
for i in $(seq "$R"); do
	if ((i % 2)); then round berth; round docker; else round docker; round berth; fi
done

printf '%-14s %10s %10s %6s %8s %7s\n' case/engine median_ms p90_ms runs ctr/s failed
declare -A RATE
for c in "${cases[@]}"; do
	for e in "${engines[@]}"; do
		read -r med p90 < <(echo "${T[$c/$e]}" | summarise)
		RATE[$c/$e]=$(awk -v n="${COUNT[$c/$e]}" -v m="$med" 'BEGIN {printf "%.2f", n / (m / 1000)}')
		printf '%-14s %10s %10s %6s %8s %7s\n' "$c/$e" "$med" "$p90" "$R" "${RATE[$c/$e]}" "${FAILED[$c/$e]}"
	done
done
for c in "${cases[@]}"; do
	awk -v b="${RATE[$c/berth]}" -v d="${RATE[$c/docker]}" -v c="$c" 'BEGIN {printf "ratio berth/docker ctr/s %s = %.3f\n", c, b/d}'
done
