#!/usr/bin/env bash
# Soak (issue 16, point 3), on a berth daemon of its own (bench-lib.sh):
# N cycles of `run --rm busybox true` (default 10000), then M cycles
# (default 1000) of `run -d -p 127.0.0.1::80` + `exec` + `rm -f`; prints
# the counters before and after — mounts, links, netns, nftables rules,
# cgroups, processes, the daemon's open files and RSS, bytes under the
# data root — and says, for each, equal or different (RSS may differ by
# 10 %). Any failed cycle or difference ends with a non-zero status.
#
#   scripts/soak.sh [N] [M]     (as root)
N=${1:-10000}
M=${2:-1000}
. "$(dirname "$0")/bench-lib.sh" soak
busybox_tar
start_berth
"$BERTH" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null
fail=0

# The baseline once the monitor runs and the daemon has served both kinds
# of cycle once.
"$BERTH" run --rm busybox true
"$BERTH" run -d -p 127.0.0.1::80 --name soak busybox sleep 1000000 >/dev/null
"$BERTH" exec soak true
"$BERTH" rm -f soak >/dev/null
sleep 2
counters >"$W/before"

# cycles NAME COUNT COMMAND...: runs COMMAND COUNT times, counting failures,
# with a progress line every tenth.
cycles() {
	local name=$1 count=$2 i bad=0 s
	shift 2
	s=$(now)
	for i in $(seq 1 "$count"); do
		"$@" >/dev/null 2>>"$W/errors" || bad=$((bad + 1))
		if [ $((i % (count / 10 > 0 ? count / 10 : 1))) = 0 ]; then
			printf '%s: %d/%d, %d failed, %.1f s\n' "$name" "$i" "$count" "$bad" "$(echo "($(now) - $s) / 1000000000" | bc -l)"
		fi
	done
	printf '%s: %d cycles in %.1f s (%.3f s each), %d failed\n' "$name" "$count" \
		"$(echo "($(now) - $s) / 1000000000" | bc -l)" "$(echo "($(now) - $s) / 1000000000 / $count" | bc -l)" "$bad"
	[ "$bad" = 0 ] || fail=1
}

publish_exec_rm() {
	"$BERTH" run -d -p 127.0.0.1::80 --name soak busybox sleep 1000000 &&
		"$BERTH" exec soak true &&
		"$BERTH" rm -f soak
}

cycles "run --rm" "$N" "$BERTH" run --rm busybox true
cycles "run -d -p + exec + rm -f" "$M" publish_exec_rm
[ -s "$W/errors" ] && { echo "errors:"; sort "$W/errors" | uniq -c | sort -rn | head; }

# What a removal releases in the background (cgroups, the runtime's
# delete) has a few seconds to go.
for _ in $(seq 100); do
	counters >"$W/after"
	compare_counters "$W/before" "$W/after" >/dev/null && break
	sleep 0.1
done
echo "counters before / after:"
compare_counters "$W/before" "$W/after" || fail=1
[ "$fail" = 0 ] && echo "soak: all equal" || echo "soak: FAILED"
exit "$fail"
