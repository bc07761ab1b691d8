#!/usr/bin/env bash
# Benchmark: the CPU time of one start of the berth binary — `berth
# version` against a running daemon (the CLI), `berth runtime --version`
# (a start of the runtime role: every container's init stage, `berth
# runtime delete` and the monitor's warm runtime pay the same Go runtime and
# package initialisation) — against a static Go hello (the floor of a Go
# program) and, where installed, `runc --version`, interleaved in one run.
# Prints per case the median and p90 CPU time in ms and the ratios; issue
# 15 asks `berth version` ≤ 1.5 × the hello.
#
#   scripts/bench-startup.sh [ITERATIONS]      (default 50; run as root)
#
# CPU time is perf's task-clock of the program from its exec on (user and
# system), or without perf the user+sys time bash's `time` reports (ms
# resolution, and it counts the fork too). BERTH (default: bin/berth or
# berth on PATH) is the binary under test.
N=${1:-50}
. "$(dirname "$0")/bench-lib.sh" startup
start_berth

mkdir -p "$W/hello"
printf 'package main\n\nimport "os"\n\nfunc main() { os.Stdout.WriteString("hello\\n") }\n' >"$W/hello/main.go"
printf 'module hello\n\ngo 1.21\n' >"$W/hello/go.mod"
(cd "$W/hello" && CGO_ENABLED=0 GOFLAGS= go build -trimpath -ldflags '-s -w' -o hello .)

# cpu_us CMD... prints the CPU time of one run of CMD in µs.
if command -v perf >/dev/null && perf stat -e task-clock -o /dev/null true 2>/dev/null; then
	echo "cpu: perf task-clock"
	cpu_us() {
		perf stat -x, -e task-clock -o "$W/perf.out" -- "$@" >/dev/null 2>&1
		awk -F, '/task-clock/ {printf "%d", $1 * 1000}' "$W/perf.out"
	}
else
	echo "cpu: bash time, user+sys (no perf)"
	cpu_us() {
		local TIMEFORMAT='%3U %3S'
		{ time "$@" >/dev/null 2>&1; } 2>&1 | awk '{printf "%d", ($1 + $2) * 1000000}'
	}
fi

declare -A T
run_one() { # case -> appends µs
	case $1 in
	version/hello) T[$1]+="$(cpu_us "$W/hello/hello") " ;;
	version/berth) T[$1]+="$(cpu_us "$BERTH" version) " ;;
	runtime/berth) T[$1]+="$(cpu_us "$BERTH" runtime --version) " ;;
	runtime/runc) T[$1]+="$(cpu_us runc --version) " ;;
	esac
}
cases=(version/hello version/berth runtime/berth)
command -v runc >/dev/null && cases+=(runtime/runc)
"$BERTH" version >/dev/null || { echo "FAILED: berth version: no daemon"; exit 1; }
for c in "${cases[@]}"; do run_one "$c"; T[$c]=""; done # warm-up, discarded
for _ in $(seq "$N"); do for c in "${cases[@]}"; do run_one "$c"; done; done

echo "berth binary: $(stat -c %s "$BERTH") bytes; hello: $(stat -c %s "$W/hello/hello") bytes"
report "${cases[@]}"
awk -v b="${MED[version/berth]}" -v o="${MED[version/hello]}" 'BEGIN {printf "ratio berth version/hello = %.3f\n", b/o}'
awk -v b="${MED[runtime/berth]}" -v o="${MED[version/hello]}" 'BEGIN {printf "ratio berth runtime --version/hello = %.3f\n", b/o}'
[ -n "${MED[runtime/runc]:-}" ] &&
	awk -v b="${MED[runtime/berth]}" -v o="${MED[runtime/runc]}" 'BEGIN {printf "ratio berth runtime --version/runc --version = %.3f\n", b/o}'
exit 0
