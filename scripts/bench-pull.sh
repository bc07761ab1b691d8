#!/usr/bin/env bash
# Benchmark: pull of an image of 5 layers × 20 MB of random data from a local
# registry (Debian's docker-registry on 127.0.0.1), berth against Docker
# (Debian's docker.io, started here with private roots), interleaved in one
# run with the image removed between runs. Prints per-engine median seconds
# and MB/s (compressed bytes moved) and the throughput ratio.
#
#   scripts/bench-pull.sh [ITERATIONS]        (default 5; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
set -euo pipefail
# This script starts its own daemon: the CLI must wait for it, not start one.
export BERTH_NO_AUTOSTART=1
N=${1:-5}
cd "$(dirname "$0")/.."
BERTH=${BERTH:-$( [ -x bin/berth ] && echo "$PWD/bin/berth" || command -v berth )}
command -v docker-registry >/dev/null || { echo "docker-registry is required: apt-get install docker-registry" >&2; exit 1; }
W=$(mktemp -d /tmp/bt-bench-pull-XXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
	# the daemon's default bridge, its veths and its nftables table
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^btbenchp0' || true); do ip link del "$l" 2>/dev/null || true; done
	nft delete table ip btbenchp0 2>/dev/null || true
	grep -o " $W[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$W"
}
trap cleanup EXIT

PORT=$((20000 + RANDOM % 20000))
while ss -ltn | grep -q ":$PORT "; do PORT=$((20000 + RANDOM % 20000)); done
REG=127.0.0.1:$PORT
cat >"$W/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $W/registry
http:
  addr: $REG
YML
docker-registry serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
pids+=($!)

# berth: its own daemon, data root and socket.
"$BERTH" daemon --bridge btbenchp0 --data-root "$W/berth" --exec-root "$W/berth-exec" -H "unix://$W/berth.sock" >"$W/berth.log" 2>&1 &
pids+=($!)
export BERTH_HOST="unix://$W/berth.sock"
# Docker (Debian's docker.io): private roots, no networking of its own.
DOCKER_SOCK="unix://$W/docker.sock"
dockerd --data-root "$W/docker" --exec-root "$W/docker-exec" --pidfile "$W/docker.pid" -H "$DOCKER_SOCK" \
	--bridge=none --iptables=false --ip6tables=false --ip-masq=false >"$W/docker.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do "$BERTH" version >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 150); do docker -H "$DOCKER_SOCK" version >/dev/null 2>&1 && break; sleep 0.2; done

# The image: a docker-archive of 5 layers, each one file of 20 MB of random
# data, loaded into berth and pushed (gzip) to the registry.
IMG=$REG/bench/pull:5x20
mkdir -p "$W/img"
diffs=() layers=()
for i in 1 2 3 4 5; do
	mkdir -p "$W/l$i"
	head -c 20M /dev/urandom >"$W/l$i/data$i"
	tar -C "$W/l$i" -cf "$W/img/layer$i.tar" "data$i"
	diffs+=("\"sha256:$(sha256sum "$W/img/layer$i.tar" | cut -d' ' -f1)\"")
	layers+=("\"layer$i.tar\"")
done
join() { local IFS=,; echo "$*"; }
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/data1"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$(join "${diffs[@]}")" >"$W/img/config.json"
CFG=$(sha256sum "$W/img/config.json" | cut -d' ' -f1)
mv "$W/img/config.json" "$W/img/$CFG.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]' "$CFG" "$IMG" "$(join "${layers[@]}")" >"$W/img/manifest.json"
tar -C "$W/img" -cf "$W/image.tar" .
"$BERTH" load -i "$W/image.tar" >/dev/null
"$BERTH" push "$IMG" >/dev/null
"$BERTH" image prune -a -f >/dev/null
BYTES=$(du -cb "$W"/registry/docker/registry/v2/blobs/sha256/*/*/data | tail -1 | cut -f1)

now() { date +%s%N; }
declare -A T
run_one() { # engine -> appends seconds
	local e=$1 s t
	case $e in
	berth) "$BERTH" image prune -a -f >/dev/null ;;
	docker) docker -H "$DOCKER_SOCK" rmi -f "$IMG" >/dev/null 2>&1 || true ;;
	esac
	sync
	s=$(now)
	case $e in
	berth) "$BERTH" pull -q "$IMG" >/dev/null ;;
	docker) docker -H "$DOCKER_SOCK" pull -q "$IMG" >/dev/null ;;
	esac
	t=$(now)
	T[$e]+="$(( (t - s) / 1000000 )) "
}
engines=(berth docker)
for e in "${engines[@]}"; do run_one "$e"; T[$e]=""; done # warm-up, discarded
for _ in $(seq "$N"); do for e in "${engines[@]}"; do run_one "$e"; done; done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m/1000}'; }
printf 'image: 5 layers x 20 MB random data, %.1f MB compressed in the registry; %d runs each, interleaved\n' "$(awk "BEGIN{print $BYTES/1000000}")" "$N"
printf '%-8s %10s %10s\n' engine median_s MB/s
declare -A RATE
for e in "${engines[@]}"; do
	m=$(echo "${T[$e]}" | median)
	RATE[$e]=$(awk "BEGIN{print $BYTES/1000000/$m}")
	printf '%-8s %10s %10.1f\n' "$e" "$m" "${RATE[$e]}"
done
printf 'throughput berth/docker: %.2fx\n' "$(awk "BEGIN{print ${RATE[berth]}/${RATE[docker]}}")"
