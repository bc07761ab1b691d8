#!/usr/bin/env bash
# Runs every benchmark script (scripts/bench-*.sh but bench-lib.sh and this
# one, or the ones named) one after the other and prints ONE Markdown table
# of what they measured: per benchmark Docker's, Podman's (where it runs) and
# berth's median and p90, engines measured beside them, the berth/Docker
# ratio, the target of issue 15 and whether it is met. The table, headed by
# the date and the machine, goes to stdout and to bench/results/<date>.md;
# each script's full output to bench/results/<date>/<name>.log.
#
#   scripts/bench-all.sh [NAME...]     (NAME: run for bench-run.sh; run as root)
#
# BENCH_N, when set, is the iterations each script runs (their defaults
# otherwise; a quick look, not figures to quote).
# A script is read through scripts/benchtable (its lines
# "CASE/ENGINE MEDIAN P90 RUNS", "ENGINE[-CASE] MEDIAN P90 RUNS" and
# "ratio WHAT = N"); targets are in scripts/bench-targets. A peer engine or
# tool that is missing is said so at the top; a script that fails is noted
# under the table and the others still run. BERTH (default bin/berth) is the
# binary under test.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "bench-all: run as root" >&2; exit 1; }
export BERTH=${BERTH:-$PWD/bin/berth}
[ -x "$BERTH" ] || { echo "bench-all: $BERTH is missing: make build" >&2; exit 1; }

day=$(date -u +%Y-%m-%d)
out=bench/results/$day
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/benchtable" ./scripts/benchtable || exit 1

if [ $# -eq 0 ]; then
	for s in scripts/bench-*.sh; do
		n=${s#scripts/bench-}
		n=${n%.sh}
		case $n in lib | all) continue ;; esac
		set -- "$@" "$n"
	done
fi

# What a peer or a script needs, said once at the top.
missing=()
need() { # command what-it-costs
	command -v "$1" >/dev/null || missing+=("$1 ($2)")
}
need dockerd "no Docker column: apt-get install -y docker.io"
need docker "no Docker column: apt-get install -y docker.io"
need podman "no Podman column: apt-get install -y podman"
need runc "no runc floor: apt-get install -y runc"
need crun "no crun in the runtime benchmark: apt-get install -y crun"
need docker-registry "no pull benchmark: apt-get install -y docker-registry"
need jq "bench-run.sh makes its runc bundle with it: apt-get install -y jq"

version() { # command args: its first line of version, or that it is absent
	if command -v "$1" >/dev/null; then "$@" 2>&1 | head -1; else echo "$1 absent"; fi
}
cgroup_mode() {
	case $(stat -fc %T /sys/fs/cgroup) in
	cgroup2fs) echo v2 ;;
	*) if [ -d /sys/fs/cgroup/unified ]; then echo "v1 (hybrid, v2 at /sys/fs/cgroup/unified)"; else echo v1; fi ;;
	esac
}
{
	echo "## Benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) memory,"
	echo "kernel $(uname -r), cgroup $(cgroup_mode); berth $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo '+changes'),"
	echo "$(version dockerd --version), $(version podman --version), $(version runc --version), $(version crun --version)."
	echo "Medians and p90 in ms over the runs in parentheses; each script interleaves its engines in one run."
	echo
	for m in "${missing[@]}"; do echo "- missing: $m"; done
	[ ${#missing[@]} -gt 0 ] && echo
} >"$tmp/head.md"
for m in "${missing[@]}"; do echo "bench-all: missing: $m" >&2; done

logs=()
for n in "$@"; do
	s=scripts/bench-$n.sh
	log=$out/$n.log
	echo "bench-all: $s ..." >&2
	if [ ! -x "$s" ]; then
		echo "FAILED: $s does not exist" >"$log"
	else
		start=$(date +%s)
		args=()
		if [ -n "${BENCH_N:-}" ]; then
			case $n in runtime) args=(-n "$BENCH_N") ;; *) args=("$BENCH_N") ;; esac
		fi
		"./$s" "${args[@]}" >"$log" 2>&1
		rc=$?
		if [ $rc != 0 ]; then
			echo "FAILED: $s exited $rc: $(grep -v '^$' "$log" | tail -1)" >>"$log"
		fi
		echo "bench-all: $s done in $(($(date +%s) - start)) s (exit $rc)" >&2
	fi
	logs+=("$n=$log")
done

{
	cat "$tmp/head.md"
	"$tmp/benchtable" -targets scripts/bench-targets "${logs[@]}"
} | tee "$out.md"
