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
# engine driven by that CLI. Prints per case and engine the median and p90
# in ms, and the ratios berth/docker.
#
#   scripts/bench-build.sh [ROUNDS]        (default 7; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
N=${1:-7}
. "$(dirname "$0")/bench-lib.sh" build
busybox_tar

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

start_berth
start_dockerd
import_busybox

# The docker CLI's floor: a server that only reads and discards.
go build -o "$W/buildsink" ./scripts/buildsink
"$W/buildsink" "$W/sink.sock" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [ -S "$W/sink.sock" ] && break; sleep 0.1; done

export DOCKER_BUILDKIT=0
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
	berth-version) "$BERTH" -H "$BERTH_SOCK" version >/dev/null 2>"$W/err" ;;
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
	build berth-version cached
done

# One line per case and engine: the docker CLI against berth and Docker,
# berth's CLI against berth ("-berth-cli"), the docker CLI against the sink
# ("buildsink": the client's own share), `berth version` (berth's CLI's
# start and one request: its floor); then the ratios.
printf '%-30s %10s %10s %6s\n' case/engine median_ms p90_ms runs
declare -A MED
for c in nocache cached; do
	l=${c/nocache/no-cache}
	for e in docker berth berth-cli docker-cli berth-version; do
		[ -n "${T[$e.$c]:-}" ] || continue
		case $e in
		berth-cli) name=$l-berth-cli/berth ;;
		berth-version) name=$l-berth-cli/berth-version ;;
		docker-cli) name=$l/buildsink ;;
		*) name=$l/$e ;;
		esac
		read -r med p90 < <(echo "${T[$e.$c]}" | summarise)
		MED[$e.$c]=$med
		printf '%-30s %10s %10s %6s\n' "$name" "$med" "$p90" "$N"
		# Docker beside berth's CLI too: it has no other CLI.
		[ "$e" = docker ] && printf '%-30s %10s %10s %6s\n' "$l-berth-cli/docker" "$med" "$p90" "$N"
	done
	for e in berth berth-cli; do
		awk -v b="${MED[$e.$c]}" -v d="${MED[docker.$c]}" -v n="$l${e#berth}" 'BEGIN {printf "ratio berth/docker %s = %.3f\n", n, b/d}'
	done
done
