#!/usr/bin/env bash
# Benchmark: what the default bridge costs a container's start.
# `run --rm busybox true` on the default bridge and with --network none, for
# berth and for Docker (Debian's docker.io with its own bridge, docker0, and
# iptables rules), interleaved in one run. Prints per-case median and p90 in
# ms, berth's bridge-over-none cost and the berth/docker ratios.
#
#   scripts/bench-network.sh [ITERATIONS]     (default 20; run as root)
#
# Isolation: berth's daemon gets a private bridge and nftables table named
# bt<random>; dockerd runs inside a network namespace created here, so its
# bridge and iptables rules never touch the host's. Everything is removed at
# exit. BERTH (default bin/berth or berth on PATH) is the binary under test.
N=${1:-20}
. "$(dirname "$0")/bench-lib.sh" network
busybox_tar
start_berth
start_dockerd netns
import_busybox

declare -A T
run_one() {
	local c=$1 s t
	s=$(now)
	case $c in
	berth-bridge) "$BERTH" run --rm busybox true ;;
	berth-none) "$BERTH" run --rm --network none busybox true ;;
	docker-bridge) docker -H "$DOCKER_SOCK" run --rm busybox true ;;
	docker-none) docker -H "$DOCKER_SOCK" run --rm --network none busybox true ;;
	esac
	t=$(now)
	T[$c]+="$(((t - s) / 1000)) "
}
cases=(berth-bridge berth-none docker-bridge docker-none)
for c in "${cases[@]}"; do run_one "$c"; T[$c]=""; done # warm-up, discarded
# Interleaved, the order rotating each round so that no case always
# follows the same one (a Docker run leaves work behind that slows the next).
for i in $(seq "$N"); do
	for j in 0 1 2 3; do run_one "${cases[$(((i + j) % 4))]}"; done
done

report "${cases[@]}"
awk -v b="${MED[berth-bridge]}" -v n="${MED[berth-none]}" 'BEGIN {printf "berth bridge - none = %.1f ms (target <= 10 ms)\n", b-n}'
awk -v b="${MED[docker-bridge]}" -v n="${MED[docker-none]}" 'BEGIN {printf "docker bridge - none = %.1f ms\n", b-n}'
awk -v b="${MED[berth-bridge]}" -v d="${MED[docker-bridge]}" 'BEGIN {printf "ratio berth/docker (bridge) = %.3f\n", b/d}'
awk -v b="${MED[berth-none]}" -v d="${MED[docker-none]}" 'BEGIN {printf "ratio berth/docker (none) = %.3f\n", b/d}'
