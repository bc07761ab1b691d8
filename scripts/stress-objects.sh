#!/usr/bin/env bash
# stress-objects.sh: 8 clients (CLIENTS) for N minutes (STRESS_MINUTES)
# run create, start, stop, rm, rename and network connect/disconnect at
# random on the same few containers and networks of one daemon of its own,
# then check that the state is consistent: every container listed is
# inspectable under the name it is listed with, every name is unique, a
# running container's pid lives, a network lists only listed containers,
# and neither the daemon's nor the monitor's log reports a data race
# (BERTH built with -race: bin/berth-race of `make test-race`). Once all
# is removed, no bundle, container dir or mount is left. Exit status 0
# when all holds. As root.
#
#   BERTH=bin/berth-race STRESS_MINUTES=5 scripts/stress-objects.sh
set -uo pipefail
BERTH=${BERTH:-bin/berth}
BERTH=$(realpath "$BERTH")
MINUTES=${STRESS_MINUTES:-5}
CLIENTS=${CLIENTS:-8}
hex=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
BASE=${STRESS_BASE:-$(mktemp -d /tmp/bt-stress-XXXXXX)}
SOCK=${STRESS_SOCK:-$BASE/d.sock}
ROOT=${STRESS_ROOT:-$BASE/root}
EXEC=${STRESS_EXEC:-$BASE/exec}
BRIDGE=${STRESS_BRIDGE:-btst$hex}
LOG=$BASE/daemon.log
export DOCKER_HOST=unix://$SOCK BERTH_HOST=unix://$SOCK DOCKER_CONFIG=$BASE
NAMES=(st-a st-b st-c st-d st-e st-f)
NETS=(st-n1 st-n2)
fail=0
problem() { echo "INCONSISTENT: $*"; fail=1; }

mkdir -p "$BASE"
"$BERTH" daemon -H "unix://$SOCK" --data-root "$ROOT" --exec-root "$EXEC" --bridge "$BRIDGE" \
	--cgroup-parent "/bt-stress-$hex" --pidfile "$BASE/pid" >"$LOG" 2>&1 &
dpid=$!
cleanup() {
	kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	for m in $(awk '{print $5}' /proc/self/mountinfo | grep -E "^($ROOT|$EXEC)/" | sort -r); do umount -l "$m"; done
	ip link del "$BRIDGE" 2>/dev/null
	for l in $(ip -br link | awk '{print $1}' | grep "^$BRIDGE" | cut -d@ -f1); do ip link del "$l" 2>/dev/null; done
	nft delete table ip "$BRIDGE" 2>/dev/null
	for d in /sys/fs/cgroup/*/bt-stress-$hex; do [ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null; done
	rm -rf "$ROOT" "$EXEC" "$BASE"
}
trap cleanup EXIT
for _ in $(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.1; done
BERTH=$BERTH "$(dirname "$0")/busybox-image.sh" >/dev/null || { echo "busybox import failed"; exit 1; }
for n in "${NETS[@]}"; do docker network create "$n" >/dev/null; done

pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }
client() {
	local end=$(($(date +%s) + MINUTES * 60)) ops=0
	while [ "$(date +%s)" -lt "$end" ]; do
		local n; n=$(pick "${NAMES[@]}")
		case $((RANDOM % 8)) in
		0) docker create --name "$n" busybox sleep 600 ;;
		1) docker run -d --name "$n" busybox sleep 600 ;;
		2) docker start "$n" ;;
		3) docker stop -t 0 "$n" ;;
		4) docker rm -f "$n" ;;
		5) docker rename "$n" "$(pick "${NAMES[@]}")" ;;
		6) docker network connect "$(pick "${NETS[@]}")" "$n" ;;
		7) docker network disconnect "$(pick "${NETS[@]}")" "$n" ;;
		esac >/dev/null 2>&1
		ops=$((ops + 1))
	done
	echo "$ops"
}
echo "stress: $CLIENTS clients for $MINUTES min on daemon $dpid ($BERTH)"
for i in $(seq "$CLIENTS"); do client >"$BASE/ops.$i" & done
wait $(jobs -p | grep -v "^$dpid$") 2>/dev/null
total=$(cat "$BASE"/ops.* | awk "{s+=\$1} END {print s}")
echo "operations: $total"
kill -0 "$dpid" 2>/dev/null || problem "the daemon died"

# Consistency.
listed=$(docker ps -a --no-trunc --format '{{.ID}} {{.Names}}')
echo "containers listed: $(echo "$listed" | grep -c . )"
dups=$(echo "$listed" | awk '{print $2}' | sort | uniq -d)
[ -z "$dups" ] || problem "names listed twice: $dups"
while read -r id name; do
	[ -n "$id" ] || continue
	got=$(docker inspect -f '{{.Name}} {{.State.Running}} {{.State.Pid}}' "$id" 2>&1) || { problem "listed $id ($name) is not inspectable: $got"; continue; }
	read -r iname running pid <<<"$got"
	[ "$iname" = "/$name" ] || problem "$id listed as $name, inspected as $iname"
	if [ "$running" = true ] && ! kill -0 "$pid" 2>/dev/null; then problem "$name runs by inspect, its pid $pid does not"; fi
	if [ "$running" = false ] && [ "$pid" != 0 ]; then problem "$name is not running but has pid $pid"; fi
done <<<"$listed"
for n in "${NETS[@]}"; do
	for id in $(docker network inspect -f '{{range $k, $v := .Containers}}{{$k}} {{end}}' "$n"); do
		echo "$listed" | grep -q "^$id " || problem "network $n lists $id, which ps -a does not"
	done
done
for f in "$LOG" "$EXEC/monitor/monitor.log"; do
	if grep -q "WARNING: DATA RACE" "$f" 2>/dev/null; then
		problem "$f reports a data race"; sed -n "/WARNING: DATA RACE/,/^==================/p" "$f" | head -300
	fi
done
# Everything removed leaves nothing.
docker rm -f $(docker ps -aq) >/dev/null 2>&1
for n in "${NETS[@]}"; do docker network rm "$n" >/dev/null || problem "network rm $n"; done
left=$(ls "$EXEC/b" "$ROOT/containers" 2>/dev/null | grep -v ':$' | grep .)
[ -z "$left" ] || problem "left after rm -f of all: $left"
mounts=$(awk '{print $5}' /proc/self/mountinfo | grep -E "^($ROOT|$EXEC)/" | grep -v "/netns$" | grep -v "/init$" | grep -v "/snapshots$")
[ -z "$mounts" ] || problem "mounts left: $mounts"
[ "$fail" = 0 ] && echo "consistent"
exit "$fail"
