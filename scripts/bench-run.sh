#!/usr/bin/env bash
# Benchmark: `berth run --rm busybox true` against `docker run --rm --network none
# busybox true` (Debian's docker.io, started here with private roots) and, when
# it works on this machine, `podman run --rm --network none busybox true`,
# interleaved in one run. Prints per-engine median and p90 in ms and the ratios.
#
#   scripts/bench-run.sh [ITERATIONS]        (default 30; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
set -euo pipefail
# This script starts its own daemon: the CLI must wait for it, not start one.
export BERTH_NO_AUTOSTART=1
N=${1:-30}
cd "$(dirname "$0")/.."
BERTH=${BERTH:-$( [ -x bin/berth ] && echo "$PWD/bin/berth" || command -v berth )}
W=$(mktemp -d /tmp/bt-bench-XXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
	# the daemon's default bridge, its veths and its nftables table
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^btbench0' || true); do ip link del "$l" 2>/dev/null || true; done
	nft delete table ip btbench0 2>/dev/null || true
	grep -o " $W[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT

# A busybox rootfs tarball from Debian's busybox-static.
mkdir -p "$W/rootfs"/{bin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$W/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$W/rootfs/bin/$a"; done
tar -C "$W/rootfs" -cf "$W/busybox.tar" .

# berth: its own daemon, data root and socket.
"$BERTH" daemon --data-root "$W/berth" --exec-root "$W/berth-exec" -H "unix://$W/berth.sock" --bridge btbench0 >"$W/berth.log" 2>&1 &
pids+=($!)
export BERTH_HOST="unix://$W/berth.sock"
for _ in $(seq 100); do "$BERTH" version >/dev/null 2>&1 && break; sleep 0.1; done
"$BERTH" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null

# Docker (Debian's docker.io): private roots, no networking of its own.
DOCKER_SOCK="unix://$W/docker.sock"
dockerd --data-root "$W/docker" --exec-root "$W/docker-exec" --pidfile "$W/docker.pid" -H "$DOCKER_SOCK" \
	--bridge=none --iptables=false --ip6tables=false --ip-masq=false >"$W/docker.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do docker -H "$DOCKER_SOCK" version >/dev/null 2>&1 && break; sleep 0.2; done
docker -H "$DOCKER_SOCK" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null

# Podman, if installed and able to run here (it may fail on this machine's rlimits).
PODMAN=()
if command -v podman >/dev/null; then
	P=(podman --root "$W/podman" --runroot "$W/podman-run" --cgroup-manager cgroupfs --events-backend none)
	if "${P[@]}" import "$W/busybox.tar" localhost/busybox:latest >/dev/null 2>&1 &&
		"${P[@]}" run --rm --network none localhost/busybox true >/dev/null 2>"$W/podman.err"; then
		PODMAN=("${P[@]}")
	else
		echo "podman: cannot run a container on this machine: $(tail -1 "$W/podman.err" 2>/dev/null)"
	fi
fi

now() { date +%s%N; }
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

summarise() { # prints median p90 in ms with one decimal
	tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; p=a[int(NR*0.9+0.999)]; printf "%.1f %.1f\n", m/1000, p/1000}'
}
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
