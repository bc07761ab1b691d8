#!/usr/bin/env bash
# Benchmark: the steps of a container's life one at a time, berth against
# Docker (Debian's docker.io with its own bridge, in a network namespace of
# its own), interleaved in one run, both on their default bridge:
#
#   run -d busybox sleep 3600     exec CTR true     stop -t 0 CTR
#   rm -f of a running container  ps -a with 200 containers
#
# Prints per step and engine the median and p90 in ms, then the berth/docker
# ratio of each step's medians.
#
#   scripts/bench-lifecycle.sh [ITERATIONS]   (default 20; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
N=${1:-20}
. "$(dirname "$0")/bench-lib.sh" lifecycle
busybox_tar
start_berth
start_dockerd netns
import_busybox


declare -A T
OUT=
# timed KEY ENGINE ARGS...: runs the CLI, appends its µs to T[KEY/ENGINE],
# leaves its standard output in OUT.
timed() {
	local k=$1/$2 s t
	shift
	s=$(now)
	OUT=$(cli "$@")
	t=$(now)
	T[$k]+="$(((t - s) / 1000)) "
}

engines=(berth docker)
steps=(run-d exec stop rm-f)
round() {
	local e=$1 id id2
	timed run-d "$e" run -d busybox sleep 3600
	id=$OUT
	timed exec "$e" exec "$id" true
	timed stop "$e" stop -t 0 "$id"
	id2=$(cli "$e" run -d busybox sleep 3600)
	timed rm-f "$e" rm -f "$id2"
	cli "$e" rm "$id" >/dev/null
}
for e in "${engines[@]}"; do round "$e"; done # warm-up, discarded
T=()
for i in $(seq "$N"); do
	# The engines' order alternates, so that neither always follows the other.
	if ((i % 2)); then round berth; round docker; else round docker; round berth; fi
done

# ps -a with 200 containers (created, never started).
export -f cli
export BERTH DOCKER_SOCK
for e in "${engines[@]}"; do
	seq 200 | xargs -P 4 -I{} bash -c 'cli "$0" create busybox true >/dev/null' "$e"
	[ "$(cli "$e" ps -aq | wc -l)" = 200 ] || { echo "$e: expected 200 containers" >&2; exit 1; }
	cli "$e" ps -a >/dev/null # warm-up
done
steps+=(ps-a)
for _ in $(seq "$N"); do for e in "${engines[@]}"; do timed ps-a "$e" ps -a; done; done

printf '%-14s %10s %10s %6s\n' step/engine median_ms p90_ms runs
declare -A MED
for s in "${steps[@]}"; do
	for e in "${engines[@]}"; do
		read -r med p90 < <(echo "${T[$s/$e]}" | summarise)
		MED[$s/$e]=$med
		printf '%-14s %10s %10s %6s\n' "$s/$e" "$med" "$p90" "$N"
	done
done
for s in "${steps[@]}"; do
	awk -v b="${MED[$s/berth]}" -v d="${MED[$s/docker]}" -v s="$s" 'BEGIN {printf "ratio berth/docker %s = %.3f\n", s, b/d}'
done
