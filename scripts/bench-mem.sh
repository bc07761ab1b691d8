#!/usr/bin/env bash
# Benchmark: what a running container costs in memory. For berth, Debian's
# dockerd (private roots, started here; skip with --no-docker) and podman
# (when it can run a container here), one engine after the other: start N
# `busybox sleep` containers (--network none, so that every engine pays
# the same networking, none), let the system settle, and print
#
#   - the system-used delta per container, used = MemTotal - MemFree -
#     Buffers - Cached - SReclaimable from /proc/meminfo (median of 5
#     samples), before and after (no cache dropping: what is measured is
#     what stays used);
#   - the daemon's RSS idle and with N running (dockerd: dockerd +
#     containerd; podman has no daemon);
#   - the RSS and PSS of the processes that monitor the containers (berth:
#     its one `berth shim monitor`; docker: the containerd shims; podman:
#     the conmons), all together.
#
#   scripts/bench-mem.sh [--no-docker] [N...]     (default N: 50 500; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test. The
# machine should be quiet: other processes' memory moves the deltas.
DOCKER=1
if [ "${1:-}" = --no-docker ]; then
	DOCKER=0
	shift
fi
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(50 500)
SETTLE=${SETTLE:-5}
. "$(dirname "$0")/bench-lib.sh" mem
busybox_tar
start_berth
"$BERTH" -H "$BERTH_SOCK" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null
if [ $DOCKER = 1 ]; then
	start_dockerd
	docker -H "$DOCKER_SOCK" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null
fi
detect_podman

# used_kib: the median of 5 samples, one a second, of MemTotal - MemFree -
# Buffers - Cached - SReclaimable (a busy machine's other processes move it).
used_kib() {
	for _ in 1 2 3 4 5; do
		awk '/^MemTotal:/ {t=$2} /^MemFree:/ {f=$2} /^Buffers:/ {b=$2} /^Cached:/ {c=$2} /^SReclaimable:/ {s=$2}
			END {print t-f-b-c-s}' /proc/meminfo
		sleep 1
	done | sort -n | sed -n 3p
}
# sum_kib FILE FIELD PID...: FIELD (in kB) of /proc/PID/FILE, summed.
sum_kib() {
	local f=$1 k=$2 p
	shift 2
	for p in "$@"; do awk -v k="$k:" '$1 == k {print $2}' "/proc/$p/$f" 2>/dev/null || true; done | awk '{s += $1} END {print s + 0}'
}
rss_kib() { sum_kib status VmRSS "$@"; }
pss_kib() { sum_kib smaps_rollup Pss "$@"; }
# pids_matching PATTERN: processes whose command line holds $W and PATTERN.
pids_matching() {
	local p c
	for p in /proc/[0-9]*; do
		c=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline" || true)
		case $c in *"$W"*) case $c in *$1*) echo "${p#/proc/}" ;; esac ;; esac
	done
}
daemon_pids() {
	case $1 in
	berth) echo "$(cat "$W/berth.pid")" ;;
	docker) echo "$(cat "$W/docker.pid")"; pids_matching "containerd --config" ;;
	esac
}
monitor_pids() {
	case $1 in
	berth) pids_matching "shim monitor" ;;
	docker) pids_matching containerd-shim ;;
	podman) pids_matching conmon ;;
	esac
}
cli() {
	case $1 in
	berth) "$BERTH" -H "$BERTH_SOCK" "${@:2}" ;;
	docker) docker -H "$DOCKER_SOCK" "${@:2}" ;;
	podman) "${PODMAN[@]}" "${@:2}" ;;
	esac
}
image() { if [ "$1" = podman ]; then echo localhost/busybox; else echo busybox; fi; }
export -f cli image
export BERTH BERTH_SOCK W
[ $DOCKER = 1 ] && export DOCKER_SOCK
[ ${#PODMAN[@]} -gt 0 ] && export PODMAN_ARGS="${PODMAN[*]}"

start_n() { # engine n: n containers, 4 clients at a time
	seq "$2" | xargs -P 4 -I{} bash -c '
		e=$0
		if [ "$e" = podman ]; then read -ra PODMAN <<<"$PODMAN_ARGS"; fi
		cli "$e" run -d --network none "$(image "$e")" sleep 36000 >/dev/null || echo "$e: run failed" >&2' "$1"
}
remove_all() {
	local ids
	ids=$(cli "$1" ps -aq)
	[ -z "$ids" ] || echo "$ids" | xargs -n 50 bash -c '
		e=$0
		if [ "$e" = podman ]; then read -ra PODMAN <<<"$PODMAN_ARGS"; fi
		cli "$e" rm -f "$@" >/dev/null' "$1"
}
mib() { awk -v k="$1" 'BEGIN {printf "%.2f", k/1024}'; }

engines=(berth)
[ $DOCKER = 1 ] && engines+=(docker)
[ ${#PODMAN[@]} -gt 0 ] && engines+=(podman)
printf '%-7s %5s %14s %14s %14s %16s %16s\n' engine N used/ctr_MiB daemon_idle daemon_N_MiB monitors_RSS_MiB monitors_PSS_MiB
for e in "${engines[@]}"; do
	# One container first: the engine's lazily started parts (berth's
	# monitor, containerd's shim binary in the page cache) are up.
	cli "$e" run --rm --network none "$(image "$e")" true >/dev/null
	for n in "${COUNTS[@]}"; do
		sleep "$SETTLE"
		d0=$( [ "$e" = podman ] && echo 0 || rss_kib $(daemon_pids "$e"))
		u0=$(used_kib)
		start_n "$e" "$n"
		running=$(cli "$e" ps -q | wc -l)
		sleep "$SETTLE"
		u1=$(used_kib)
		d1=$( [ "$e" = podman ] && echo 0 || rss_kib $(daemon_pids "$e"))
		mp=$(monitor_pids "$e")
		printf '%-7s %5s %14s %14s %14s %16s %16s\n' "$e" "$running" \
			"$(awk -v a="$u0" -v b="$u1" -v n="$running" 'BEGIN {printf "%.2f", (b-a)/n/1024}')" \
			"$( [ "$e" = podman ] && echo - || mib "$d0")" "$( [ "$e" = podman ] && echo - || mib "$d1")" \
			"$(mib "$(rss_kib $mp)")" "$(mib "$(pss_kib $mp)")"
		if [ "$e" = berth ]; then # the figures issue 15 sets targets for (scripts/bench-targets)
			awk -v a="$u0" -v b="$u1" -v n="$running" -v N="$n" 'BEGIN {printf "ratio berth MiB per running container, %s = %.2f\n", N, (b-a)/n/1024}'
			[ "$n" = "${COUNTS[0]}" ] && echo "ratio berth daemon RSS MiB, idle = $(mib "$d0")"
			echo "ratio berth daemon RSS MiB, $n running = $(mib "$d1")"
		fi
		remove_all "$e"
	done
done
