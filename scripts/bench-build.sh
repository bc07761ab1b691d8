#!/usr/bin/env bash
# Benchmark (issue 7, item 9): a classic Dockerfile build — FROM busybox, COPY
# of a 50 MB context file, 3 RUN steps — without cache (--no-cache) and its
# fully cached rebuild, berth against Debian's docker.io (dockerd started here
# with private roots and no networking of its own), interleaved in one run.
# Both daemons are driven by the same client: the docker CLI with
# DOCKER_BUILDKIT=0, which sends the whole context as a tar every time. The
# berth CLI is measured as a third column: as root on the daemon's host it
# has the daemon read the context directory in place. A fourth, "docker-cli",
# is the docker CLI against scripts/buildsink, a server that discards the
# context and answers at once: the client's own share, a floor for any
# engine driven by that CLI. Prints per-case medians in ms and the ratios
# berth/docker.
#
#   scripts/bench-build.sh [ROUNDS]        (default 7; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
set -euo pipefail
# This script starts its own daemon: the CLI must wait for it, not start one.
export BERTH_NO_AUTOSTART=1
N=${1:-7}
cd "$(dirname "$0")/.."
BERTH=${BERTH:-$( [ -x bin/berth ] && echo "$PWD/bin/berth" || command -v berth )}
W=$(mktemp -d /tmp/bt-benchb-XXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
	# the daemon's default bridge, its veths and its nftables table
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^btbenchb0' || true); do ip link del "$l" 2>/dev/null || true; done
	nft delete table ip btbenchb0 2>/dev/null || true
	{ grep -o " $W[^ ]*" /proc/self/mountinfo || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	for _ in 1 2 3 4 5; do rm -rf --one-file-system "$W" 2>/dev/null && break; sleep 1; done
	for c in /sys/fs/cgroup/*/bt-benchb /sys/fs/cgroup/bt-benchb; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
	return 0
}
trap cleanup EXIT

# A busybox rootfs tarball from Debian's busybox-static.
mkdir -p "$W/rootfs"/{bin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$W/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$W/rootfs/bin/$a"; done
tar -C "$W/rootfs" -cf "$W/busybox.tar" .

# The build context: a 50 MB file and the Dockerfile.
mkdir -p "$W/ctx"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$W/ctx/big.bin"
cat >"$W/ctx/Dockerfile" <<'DF'
FROM busybox
COPY big.bin /big.bin
RUN echo one > /one
RUN echo two > /two
RUN echo three > /three
DF

# berth: its own daemon, data root and socket.
BERTH_SOCK="unix://$W/berth.sock"
"$BERTH" daemon --bridge btbenchb0 --data-root "$W/berth" --exec-root "$W/berth-exec" -H "$BERTH_SOCK" --cgroup-parent /bt-benchb >"$W/berth.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do "$BERTH" -H "$BERTH_SOCK" version >/dev/null 2>&1 && break; sleep 0.1; done
"$BERTH" -H "$BERTH_SOCK" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null

# Docker (Debian's docker.io): private roots, no networking of its own.
DOCKER_SOCK="unix://$W/docker.sock"
dockerd --data-root "$W/docker" --exec-root "$W/docker-exec" --pidfile "$W/docker.pid" -H "$DOCKER_SOCK" \
	--bridge=none --iptables=false --ip6tables=false --ip-masq=false >"$W/docker.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do docker -H "$DOCKER_SOCK" version >/dev/null 2>&1 && break; sleep 0.2; done
docker -H "$DOCKER_SOCK" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null

# The docker CLI's floor: a server that only reads and discards.
go build -o "$W/buildsink" ./scripts/buildsink
"$W/buildsink" "$W/sink.sock" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [ -S "$W/sink.sock" ] && break; sleep 0.1; done

export DOCKER_BUILDKIT=0
now() { date +%s%N; }
declare -A T
build() { # engine nocache|cached -> appends µs
	local e=$1 c=$2 s t flag=()
	[ "$c" = nocache ] && flag=(--no-cache)
	s=$(now)
	case $e in
	berth) docker -H "$BERTH_SOCK" build -q --network none "${flag[@]}" -t bench "$W/ctx" >/dev/null 2>"$W/err" ;;
	berth-cli) "$BERTH" -H "$BERTH_SOCK" build -q --network none "${flag[@]}" -t bench "$W/ctx" >/dev/null 2>"$W/err" ;;
	docker) docker -H "$DOCKER_SOCK" build -q --network none "${flag[@]}" -t bench "$W/ctx" >/dev/null 2>"$W/err" ;;
	docker-cli) docker -H "unix://$W/sink.sock" build -q --network none "${flag[@]}" -t bench "$W/ctx" >/dev/null 2>"$W/err" ;;
	esac || { echo "$e build failed:"; cat "$W/err"; exit 1; }
	t=$(now)
	T[$e.$c]+="$(( (t - s) / 1000 )) "
}
engines=(berth docker berth-cli docker-cli)
for e in "${engines[@]}"; do build "$e" nocache; build "$e" cached; T[$e.nocache]=""; T[$e.cached]=""; done # warm-up
for i in $(seq "$N"); do
	order=("${engines[@]}")
	[ $((i % 2)) = 0 ] && order=(docker-cli docker berth-cli berth)
	for e in "${order[@]}"; do build "$e" nocache; build "$e" cached; done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f\n", m/1000}'; }
printf '%-10s %14s %14s %6s\n' engine nocache_ms cached_ms rounds
declare -A MED
for e in "${engines[@]}"; do
	MED[$e.nocache]=$(echo "${T[$e.nocache]}" | median)
	MED[$e.cached]=$(echo "${T[$e.cached]}" | median)
	printf '%-10s %14s %14s %6s\n' "$e" "${MED[$e.nocache]}" "${MED[$e.cached]}" "$N"
done
for e in berth berth-cli; do
	awk -v a="${MED[$e.nocache]}" -v b="${MED[docker.nocache]}" -v c="${MED[$e.cached]}" -v d="${MED[docker.cached]}" -v e="$e" \
		'BEGIN {printf "ratio %s/docker: no-cache %.3f, cached %.3f\n", e, a/b, c/d}'
done
