#!/usr/bin/env bash
# Load (issue 16, point 4), on a berth daemon of its own (bench-lib.sh):
#   1. N busybox `sleep` containers (default 1000) running at once, created
#      by C clients (default 8) in parallel; meanwhile, and again once all
#      run, a probe measures /_ping, ps (/containers/json) and inspect of a
#      running container, and the script prints each distribution
#      (p50/p90/p99/max, ms, curl's time from connect to the last byte);
#   2. all of them removed in one `rm -f`, then the host counters (mounts,
#      links, netns, nftables rules, cgroups, processes) must be back;
#   3. R containers running (default 200; the first 5 publish a port with
#      busybox httpd), the daemon stopped (SIGTERM, live-restore keeps them)
#      and started again: it prints the time from its start to its socket
#      answering and to all R listed running (target < 1 s); the published
#      ports must answer and one container must reach another over the
#      bridge. Then all removed and the counters checked again.
# Any failure ends with a non-zero status.
#
# CLIENT chooses the clients of step 1: "cli" (default), each a loop of
# `berth run -d`, one process per container; "sdk", each one long-lived
# Python SDK client (python3-docker) that creates and starts its share,
# as an orchestrator or compose would.
#
#   [CLIENT=cli|sdk] scripts/load-1000.sh [N] [C] [R]     (as root)
N=${1:-1000}
C=${2:-8}
R=${3:-200}
. "$(dirname "$0")/bench-lib.sh" load
ulimit -n "$(ulimit -Hn)"
busybox_tar
start_berth
"$BERTH" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null
SOCK=$W/berth.sock
fail=0

# The host's counters; the daemon's RSS and the data root's size are not
# expected back after a thousand containers (the soak script checks them).
host_counters() { counters | grep -v -e '^daemon-rss' -e '^data-root'; }
# The baseline once the monitor runs (one container run before).
"$BERTH" run --rm busybox true
host_counters >"$W/c0"

# settled NAME: waits (up to 30 s) for the host counters to be back at the
# baseline, as what a removal leaves is released in the background (the
# cgroups of exited processes, the runtime's delete), then compares them.
settled() {
	local s i
	s=$(now)
	for i in $(seq 300); do
		host_counters >"$W/$1"
		cmp -s "$W/c0" "$W/$1" && break
		sleep 0.1
	done
	printf 'counters back at the baseline %.1f s after the removal returned:\n' "$(echo "($(now) - $s) / 1000000000" | bc -l)"
	compare_counters "$W/c0" "$W/$1"
}

# probe FILE-PREFIX: until $W/stop-probe exists, times /_ping, ps and an
# inspect of the newest container, in turn, into FILE-PREFIX.{ping,ps,inspect}.
probe() {
	local id
	while [ ! -e "$W/stop-probe" ]; do
		curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$SOCK" http://berth/_ping >>"$1.ping" || true
		curl -s -o "$W/ps.json" -w '%{time_total}\n' --unix-socket "$SOCK" http://berth/containers/json >>"$1.ps" || true
		id=$(grep -o '"Id":"[0-9a-f]*"' "$W/ps.json" | awk -F'"' 'NR == 1 {print $4}' || true)
		[ -n "$id" ] && curl -s -o /dev/null -w '%{time_total}\n' --unix-socket "$SOCK" "http://berth/containers/$id/json" >>"$1.inspect" || true
		sleep 0.05
	done
}

# cpu_ms PID: the user and system CPU time of PID, in ms.
cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat"; }

report() { # FILE-PREFIX TITLE
	for k in ping ps inspect; do
		awk '{printf "%.3f\n", $1 * 1000}' "$1.$k" 2>/dev/null | percentiles "$2 $k"
	done
}

# sdk_client FIRST: one long-lived SDK client creating and starting
# load$i for i = FIRST, FIRST+C, ... < N.
sdk_client() {
	python3 - "$SOCK" "$1" "$C" "$N" <<'EOF' 2>>"$W/run-errors"
import sys, docker
sock, first, step, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
api = docker.APIClient(base_url="unix://" + sock, version="auto")
for i in range(first, n, step):
    try:
        api.start(api.create_container("busybox", ["sleep", "1000000"], name="load%d" % i))
    except Exception as e:
        print("run load%d failed: %s" % (i, e), file=sys.stderr)
EOF
}

# 1. N containers from C clients.
echo "== $N containers from $C ${CLIENT:-cli} clients"
pids_c=()
probe "$W/during" &
probe_pid=$!
start=$(now)
for c in $(seq 0 $((C - 1))); do
	if [ "${CLIENT:-cli}" = sdk ]; then
		sdk_client "$c" &
	else
		(
			for i in $(seq "$c" "$C" $((N - 1))); do
				"$BERTH" run -d --name "load$i" busybox sleep 1000000 >/dev/null 2>>"$W/run-errors" || echo "run load$i failed" >>"$W/run-errors"
			done
		) &
	fi
	pids_c+=($!)
done
wait "${pids_c[@]}"
created=$(now)
touch "$W/stop-probe"
wait "$probe_pid" || true
rm -f "$W/stop-probe"
running=$("$BERTH" ps -q --filter status=running | wc -l)
printf 'created and started %d containers in %.1f s; %d running\n' "$N" "$(echo "($created - $start) / 1000000000" | bc -l)" "$running"
[ -s "$W/run-errors" ] && { echo "errors:"; sort "$W/run-errors" | uniq -c | head; fail=1; }
[ "$running" = "$N" ] || fail=1
report "$W/during" "while creating:"
echo "daemon RSS $(awk '/^VmRSS:/ {print $2}' /proc/"$(cat "$W/berth.pid")"/status) KiB with $running running"

probe "$W/steady" &
probe_pid=$!
sleep "${STEADY:-30}"
touch "$W/stop-probe"
wait "$probe_pid" || true
rm -f "$W/stop-probe"
report "$W/steady" "with $N running:"
# The daemon's CPU for one ps, robust to a busy machine where the
# latencies are not.
c0=$(cpu_ms "$(cat "$W/berth.pid")")
for _ in $(seq 20); do curl -s -o /dev/null --unix-socket "$SOCK" http://berth/containers/json; done
echo "daemon CPU per ps with $N running: $((($(cpu_ms "$(cat "$W/berth.pid")") - c0) / 20)) ms (mean of 20)"

# 2. One rm -f for all.
s=$(now)
"$BERTH" rm -f $("$BERTH" ps -aq) >/dev/null || { echo "rm -f failed"; fail=1; }
t=$(now)
printf 'rm -f of %d containers in one command: %.1f s; %d left\n' "$N" "$(echo "($t - $s) / 1000000000" | bc -l)" "$("$BERTH" ps -aq | wc -l)"
settled c1 || fail=1

# 3. Restart with R running.
echo "== daemon restart with $R running containers"
pids_c=()
for c in $(seq 0 $((C - 1))); do
	(
		for i in $(seq "$c" "$C" $((R - 1))); do
			if [ "$i" -lt 5 ]; then
				"$BERTH" run -d --name "r$i" -p 127.0.0.1::80 busybox sh -c 'echo r'"$i"' >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null
			else
				"$BERTH" run -d --name "r$i" busybox sleep 1000000 >/dev/null
			fi || echo "run r$i failed" >>"$W/run-errors"
		done
	) &
	pids_c+=($!)
done
wait "${pids_c[@]}"
[ "$("$BERTH" ps -q --filter status=running | wc -l)" = "$R" ] || { echo "not all $R running"; fail=1; }
dpid=$(cat "$W/berth.pid")
kill "$dpid"
while kill -0 "$dpid" 2>/dev/null; do sleep 0.05; done
s=$(now)
"$BERTH" daemon --data-root "$W/berth" --exec-root "$W/berth-exec" -H "unix://$SOCK" --pidfile "$W/berth.pid" \
	--config-file "$W/berth.json" --bridge "$TAG" --cgroup-parent "/$TAG" >>"$W/berth.log" 2>&1 &
pids+=($!)
until curl -sf -o /dev/null --unix-socket "$SOCK" http://berth/_ping; do sleep 0.005; done
ready=$(now)
until [ "$(curl -s --unix-socket "$SOCK" 'http://berth/containers/json' | grep -o '"State":"running"' | wc -l)" = "$R" ]; do
	[ $(($(now) - s)) -gt 60000000000 ] && { echo "not all $R running a minute after the restart"; fail=1; break; }
	sleep 0.005
done
all=$(now)
printf 'restart: socket answers after %.3f s; all %d listed running after %.3f s (target < 1 s); the daemon used %d ms of CPU until then\n' \
	"$(echo "($ready - $s) / 1000000000" | bc -l)" "$R" "$(echo "($all - $s) / 1000000000" | bc -l)" "$(cpu_ms "$(cat "$W/berth.pid")")"
for i in 0 1 2 3 4; do
	port=$("$BERTH" port "r$i" 80 | head -1 | cut -d: -f2)
	got=$(curl -s --max-time 5 "http://127.0.0.1:$port/index.html" || true)
	[ "$got" = "r$i" ] || { echo "published port of r$i (127.0.0.1:$port) answered '$got'"; fail=1; }
done
ip0=$("$BERTH" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' r0)
# (nc: the static busybox's wget crashes in its resolver)
got=$("$BERTH" exec r5 sh -c 'printf "GET /index.html HTTP/1.0\r\n\r\n" | nc -w 5 '"$ip0"' 80 | tail -1' || true)
[ "$got" = r0 ] || { echo "r5 could not reach r0 at $ip0 over the bridge: '$got'"; fail=1; }
[ "$fail" = 0 ] && echo "after the restart: 5 published ports answer, r5 reaches r0 over the bridge"
"$BERTH" rm -f $("$BERTH" ps -aq) >/dev/null || { echo "rm -f failed"; fail=1; }
settled c2 || fail=1
[ "$fail" = 0 ] && echo "load: all checks passed" || echo "load: FAILED"
exit "$fail"
