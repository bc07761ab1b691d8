#!/usr/bin/env bash
# Benchmark: `berth run --rm busybox true` against `docker run --rm --network none
# busybox true` (Debian's docker.io, started here with private roots), `runc run`
# of an OCI bundle of the same busybox root filesystem (the floor: no daemon, no
# image, no network), and, when it works on this machine, `podman run --rm
# --network none busybox true`, interleaved in one run. Prints per-engine median
# and p90 in ms and the ratios.
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

# The runc bundle: busybox's root filesystem read-only, `true` as the process,
# the cgroups under $TAG (removed by the cleanup).
mkdir -p "$W/bundle"
runc spec --bundle "$W/bundle"
jq --arg rootfs "$W/rootfs" --arg cg "/$TAG/runc" \
	'.root.path = $rootfs | .process.args = ["true"] | .process.terminal = false | .linux.cgroupsPath = $cg' \
	"$W/bundle/config.json" >"$W/bundle/c.json" && mv "$W/bundle/c.json" "$W/bundle/config.json"
runc_n=0

declare -A T
run_one() { # engine -> appends ms
	local e=$1 s t
	s=$(now)
	case $e in
	berth) "$BERTH" run --rm busybox true ;;
	berth-none) "$BERTH" run --rm --network none busybox true ;;
	docker) docker -H "$DOCKER_SOCK" run --rm --network none busybox true ;;
	podman) "${PODMAN[@]}" run --rm --network none localhost/busybox true ;;
	runc) runc --root "$W/runc" run --bundle "$W/bundle" "$TAG-$((runc_n++))" ;;
	esac
	t=$(now)
	T[$e]+="$(( (t - s) / 1000 )) "
}
engines=(berth berth-none docker runc)
[ ${#PODMAN[@]} -gt 0 ] && engines+=(podman)
for e in "${engines[@]}"; do run_one "$e"; T[$e]=""; done # warm-up, discarded
for _ in $(seq "$N"); do for e in "${engines[@]}"; do run_one "$e"; done; done

report "${engines[@]}"
for e in "${engines[@]}"; do
	case $e in berth* | runc) continue ;; esac
	awk -v b="${MED[berth]}" -v o="${MED[$e]}" -v e="$e" 'BEGIN {printf "ratio berth (default network)/%s = %.3f\n", e, b/o}'
	awk -v b="${MED[berth-none]}" -v o="${MED[$e]}" -v e="$e" 'BEGIN {printf "ratio berth --network none/%s = %.3f\n", e, b/o}'
done
awk -v b="${MED[berth]}" -v o="${MED[runc]}" 'BEGIN {printf "ratio berth (default network)/runc run = %.3f\n", b/o}'
awk -v b="${MED[berth-none]}" -v o="${MED[runc]}" 'BEGIN {printf "ratio berth --network none/runc run = %.3f\n", b/o}'
