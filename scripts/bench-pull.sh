#!/usr/bin/env bash
# Benchmark: pull of an image of 5 layers × 20 MB of random data from a local
# registry (Debian's docker-registry on 127.0.0.1), berth against Docker
# (Debian's docker.io, started here with private roots), interleaved in one
# run with the image removed between runs. Prints per engine the median and
# p90 in ms and MB/s (compressed bytes moved), and the throughput ratio.
#
#   scripts/bench-pull.sh [ITERATIONS]        (default 5; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
N=${1:-5}
. "$(dirname "$0")/bench-lib.sh" pull
command -v docker-registry >/dev/null || { echo "docker-registry is required: apt-get install docker-registry" >&2; exit 1; }

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

start_berth
start_dockerd

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

declare -A T
run_one() { # engine -> appends µs
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
	T[$e]+="$(( (t - s) / 1000 )) "
}
engines=(berth docker)
for e in "${engines[@]}"; do run_one "$e"; T[$e]=""; done # warm-up, discarded
for _ in $(seq "$N"); do for e in "${engines[@]}"; do run_one "$e"; done; done

printf 'image: 5 layers x 20 MB random data, %.1f MB compressed in the registry; %d runs each, interleaved\n' "$(awk "BEGIN{print $BYTES/1000000}")" "$N"
printf '%-8s %10s %10s %6s %8s\n' engine median_ms p90_ms runs MB/s
declare -A RATE
for e in "${engines[@]}"; do
	read -r med p90 < <(echo "${T[$e]}" | summarise)
	RATE[$e]=$(awk "BEGIN{print $BYTES/1000/$med}")
	printf '%-8s %10s %10s %6s %8.1f\n' "$e" "$med" "$p90" "$N" "${RATE[$e]}"
done
printf 'throughput berth/docker: %.2fx\n' "$(awk "BEGIN{print ${RATE[berth]}/${RATE[docker]}}")"
