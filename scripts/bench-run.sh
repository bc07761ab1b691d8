#!/usr/bin/env bash
# Benchmark: `berth run --rm busybox true` against `docker run --rm --network none
# busybox true` (Debian's docker.io, started here with private roots) and, when
# it works on this machine, `podman run --rm --network none busybox true`,
# interleaved in one run. Prints per-engine median and p90 in ms and the ratios.
#
#   scripts/bench-run.sh [ITERATIONS]        (default 30; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
N=${1:-30}
. "$(dirname "$0")/bench-lib.sh" run
busybox_tar
start_berth
start_dockerd
import_busybox

# Podman, if installed and able to run here (it may fail on this machine's rlimits).
detect_podman

declare -A T
run_one() { # engine -> appends ms
	local e=$1 s t
	s=$(now)
	case $e in
	berth) "$BERTH" run --rm busybox true ;;
	berth-none) "$BERTH" run --rm --network none busybox true ;;
	docker) docker -H "$DOCKER_SOCK" run --rm --network none busybox true ;;
	podman) "${PODMAN[@]}" run --rm --network none localhost/busybox true ;;
	esac
	t=$(now)
	T[$e]+="$(( (t - s) / 1000 )) "
}
engines=(berth berth-none docker)
[ ${#PODMAN[@]} -gt 0 ] && engines+=(podman)
for e in "${engines[@]}"; do run_one "$e"; T[$e]=""; done # warm-up, discarded
for _ in $(seq "$N"); do for e in "${engines[@]}"; do run_one "$e"; done; done

printf '%-10s %10s %10s %6s\n' engine median_ms p90_ms runs
declare -A MED
for e in "${engines[@]}"; do
	read -r med p90 < <(echo "${T[$e]}" | summarise)
	MED[$e]=$med
	printf '%-10s %10s %10s %6s\n' "$e" "$med" "$p90" "$N"
done
for e in "${engines[@]}"; do
	case $e in berth*) continue ;; esac
	awk -v b="${MED[berth]}" -v o="${MED[$e]}" -v e="$e" 'BEGIN {printf "ratio berth (default network)/%s = %.3f\n", e, b/o}'
	awk -v b="${MED[berth-none]}" -v o="${MED[$e]}" -v e="$e" 'BEGIN {printf "ratio berth --network none/%s = %.3f\n", e, b/o}'
done
