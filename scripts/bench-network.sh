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
set -euo pipefail
# This script starts its own daemon: the CLI must wait for it, not start one.
export BERTH_NO_AUTOSTART=1
N=${1:-20}
cd "$(dirname "$0")/.."
BERTH=${BERTH:-$( [ -x bin/berth ] && echo "$PWD/bin/berth" || command -v berth )}
W=$(mktemp -d /tmp/bt-nbench-XXXX)
TAG=bt$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
NS=${TAG}d
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
	grep -o " $W[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$TAG" || true); do ip link del "$l" 2>/dev/null || true; done
	nft delete table ip "$TAG" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT

mkdir -p "$W/rootfs"/{bin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$W/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$W/rootfs/bin/$a"; done
tar -C "$W/rootfs" -cf "$W/busybox.tar" .

# berth: own daemon, roots, socket, bridge and table.
echo '{}' >"$W/berth.json"
"$BERTH" daemon --data-root "$W/berth" --exec-root "$W/berth-exec" -H "unix://$W/berth.sock" \
	--pidfile "$W/berth.pid" --config-file "$W/berth.json" --bridge "$TAG" --cgroup-parent "/$TAG" >"$W/berth.log" 2>&1 &
pids+=($!)
export BERTH_HOST="unix://$W/berth.sock"
for _ in $(seq 100); do "$BERTH" version >/dev/null 2>&1 && break; sleep 0.1; done
"$BERTH" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null

# Docker: inside a network namespace of its own (only the network: nsenter
# keeps the host's mount namespace so the cleanup sees its mounts).
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
DOCKER_SOCK="unix://$W/docker.sock"
nsenter --net="/run/netns/$NS" dockerd --data-root "$W/docker" --exec-root "$W/docker-exec" --pidfile "$W/docker.pid" \
	-H "$DOCKER_SOCK" >"$W/docker.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do docker -H "$DOCKER_SOCK" version >/dev/null 2>&1 && break; sleep 0.2; done
docker -H "$DOCKER_SOCK" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null

now() { date +%s%N; }
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

summarise() {
	tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; p=a[int(NR*0.9+0.999)]; printf "%.1f %.1f\n", m/1000, p/1000}'
}
printf '%-14s %10s %10s %6s\n' case median_ms p90_ms runs
declare -A MED
for c in "${cases[@]}"; do
	read -r med p90 < <(echo "${T[$c]}" | summarise)
	MED[$c]=$med
	printf '%-14s %10s %10s %6s\n' "$c" "$med" "$p90" "$N"
done
awk -v b="${MED[berth-bridge]}" -v n="${MED[berth-none]}" 'BEGIN {printf "berth bridge - none = %.1f ms (target <= 10 ms)\n", b-n}'
awk -v b="${MED[docker-bridge]}" -v n="${MED[docker-none]}" 'BEGIN {printf "docker bridge - none = %.1f ms\n", b-n}'
awk -v b="${MED[berth-bridge]}" -v d="${MED[docker-bridge]}" 'BEGIN {printf "ratio berth/docker (bridge) = %.3f\n", b/d}'
awk -v b="${MED[berth-none]}" -v d="${MED[docker-none]}" 'BEGIN {printf "ratio berth/docker (none) = %.3f\n", b/d}'
