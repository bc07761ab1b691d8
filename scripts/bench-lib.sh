# Shared by the bench-*.sh scripts (sourced, not run): a private work
# directory, berth's and Docker's daemons on their own roots and sockets,
# the busybox image, medians, and a cleanup at exit that removes what the
# script made — the daemons it started (by pid), their mounts, berth's
# bridge, veths, nftables table and cgroups (all named $TAG), dockerd's
# network namespace.
#
#   . scripts/bench-lib.sh NAME      # sets BERTH, W, TAG; traps the cleanup
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test.
set -euo pipefail
# The scripts start their own daemon: the CLI must wait for it, not start one.
export BERTH_NO_AUTOSTART=1
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BERTH=${BERTH:-$( [ -x bin/berth ] && echo "$PWD/bin/berth" || command -v berth )}
W=$(mktemp -d "/tmp/bt-bench-$1-XXXX")
TAG=bt$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
pids=()
bench_cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
	# berth's monitor outlives its daemon by design: it and its warm
	# runtime go too (found by $W in its command line, and as its child).
	for p in $(grep -lsaF -f <(echo "$W") /proc/[0-9]*/cmdline | cut -d/ -f3); do
		kill $(ps -o pid= --ppid "$p") "$p" 2>/dev/null || true
	done
	{ grep -o " $W[^ ]*" /proc/self/mountinfo || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$TAG" || true); do ip link del "$l" 2>/dev/null || true; done
	nft delete table ip "$TAG" 2>/dev/null || true
	# The accept rule berth put into a host forward chain that drops.
	nft -a list ruleset 2>/dev/null | awk -v tag="\"berth:$TAG\"" '/^table/ {t = $2 " " $3} /^\tchain/ {c = $2} index($0, tag) {print t, c, $NF}' |
		while read -r fam tbl ch h; do nft delete rule "$fam" "$tbl" "$ch" handle "$h" || true; done
	ip netns del "${TAG}d" 2>/dev/null || true
	for _ in 1 2 3 4 5; do rm -rf --one-file-system "$W" 2>/dev/null && break; sleep 1; done
	for c in /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/"$TAG"; do
		[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}
trap bench_cleanup EXIT

# busybox_tar writes $W/busybox.tar, a root filesystem of Debian's
# busybox-static.
busybox_tar() {
	mkdir -p "$W/rootfs"/{bin,etc,proc,sys,dev,tmp}
	cp /bin/busybox "$W/rootfs/bin/busybox"
	for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$W/rootfs/bin/$a"; done
	tar -C "$W/rootfs" -cf "$W/busybox.tar" .
}

# start_berth starts berth's daemon (bridge, nftables table and cgroup
# parent named $TAG; daemon.json from BERTH_JSON, default {}; more flags
# from the array BERTH_ARGS), sets BERTH_SOCK and BERTH_HOST and waits for
# it.
start_berth() {
	BERTH_SOCK="unix://$W/berth.sock"
	printf '%s\n' "${BERTH_JSON:-"{}"}" >"$W/berth.json"
	"$BERTH" daemon --data-root "$W/berth" --exec-root "$W/berth-exec" -H "$BERTH_SOCK" --pidfile "$W/berth.pid" \
		--config-file "$W/berth.json" --bridge "$TAG" --cgroup-parent "/$TAG" ${BERTH_ARGS[@]+"${BERTH_ARGS[@]}"} >"$W/berth.log" 2>&1 &
	pids+=($!)
	export BERTH_HOST=$BERTH_SOCK
	for _ in $(seq 100); do "$BERTH" version >/dev/null 2>&1 && break; sleep 0.1; done
}

# start_dockerd starts Debian's dockerd on private roots and sets
# DOCKER_SOCK. With "netns", it runs in a network namespace of its own
# (${TAG}d) with its bridge and iptables rules; without, it has no
# networking of its own (--network none only).
start_dockerd() {
	DOCKER_SOCK="unix://$W/docker.sock"
	local pre=() args=(--bridge=none --iptables=false --ip6tables=false --ip-masq=false)
	if [ "${1:-}" = netns ]; then
		ip netns add "${TAG}d"
		ip netns exec "${TAG}d" ip link set lo up
		# Only the network: the host's mount namespace, so the cleanup
		# sees dockerd's mounts.
		pre=(nsenter --net="/run/netns/${TAG}d")
		args=()
	fi
	"${pre[@]}" dockerd --data-root "$W/docker" --exec-root "$W/docker-exec" --pidfile "$W/docker.pid" -H "$DOCKER_SOCK" \
		"${args[@]}" >"$W/docker.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 150); do docker -H "$DOCKER_SOCK" version >/dev/null 2>&1 && break; sleep 0.2; done
}

# import_busybox imports $W/busybox.tar as busybox:latest into both
# daemons.
import_busybox() {
	"$BERTH" -H "$BERTH_SOCK" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null
	docker -H "$DOCKER_SOCK" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null
}

# cli ENGINE ARGS... runs berth's CLI (ENGINE berth) or the docker CLI
# against the private dockerd (ENGINE docker).
cli() {
	local e=$1
	shift
	case $e in
	berth) "$BERTH" "$@" ;;
	docker) docker -H "$DOCKER_SOCK" "$@" ;;
	esac
}

# detect_podman sets PODMAN to podman's argv on private roots, with runc as
# Docker's and berth's peer, importing $W/busybox.tar as localhost/busybox,
# if podman can run a container here; else PODMAN=() and it says why. The
# container's open files stay at this shell's limit (podman's default,
# 1048576, needs CAP_SYS_RESOURCE), processes at 4096.
detect_podman() {
	PODMAN=()
	command -v podman >/dev/null || return 0
	printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=4096:4096"]\n[engine]\nruntime = "runc"\n' \
		"$(ulimit -Sn)" "$(ulimit -Hn)" >"$W/containers.conf"
	local p=(env CONTAINERS_CONF="$W/containers.conf" podman --root "$W/podman" --runroot "$W/podman-run" --cgroup-manager cgroupfs --events-backend none)
	if "${p[@]}" import "$W/busybox.tar" localhost/busybox:latest >/dev/null 2>&1 &&
		"${p[@]}" run --rm --network none localhost/busybox true >/dev/null 2>"$W/podman.err"; then
		PODMAN=("${p[@]}")
	else
		echo "podman: cannot run a container on this machine: $(tail -1 "$W/podman.err" 2>/dev/null)"
	fi
}

now() { date +%s%N; }

# summarise reads µs figures (space or newline separated) and prints the
# median and the 90th percentile in ms, one decimal each.
summarise() {
	tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; p=a[int(NR*0.9+0.999)]; printf "%.1f %.1f\n", m/1000, p/1000}'
}

# report CASE... prints a header line and, per case, the median and p90 in
# ms of the µs figures in the script's T[CASE] and the runs ($N); the
# medians stay in MED[CASE] for the ratio lines.
declare -A MED
report() {
	local c med p90
	printf '%-16s %10s %10s %6s\n' case median_ms p90_ms runs
	for c in "$@"; do
		read -r med p90 < <(echo "${T[$c]}" | summarise)
		MED[$c]=$med
		printf '%-16s %10s %10s %6s\n' "$c" "$med" "$p90" "$N"
	done
}

# counters prints, one "name value" a line, what the berth daemon started by
# start_berth holds on the host: mounts under $W, links and nftables rules
# named $TAG, network namespaces in its exec root, cgroups under /$TAG,
# processes in them, the daemon's open files and RSS (KiB), the
# processes running from $W (daemon and monitor), and bytes under its data
# root. The load and soak scripts compare them before and after.
counters() {
	local dpid
	dpid=$(cat "$W/berth.pid")
	echo "mounts $(grep -c " $W" /proc/self/mountinfo || true)"
	echo "links $(ip -o link show | awk -F': ' '{print $2}' | grep -c "^$TAG" || true)"
	echo "netns $(find "$W/berth-exec/netns" -mindepth 1 2>/dev/null | wc -l)"
	echo "nft-rules $(nft -a list table ip "$TAG" 2>/dev/null | grep -c '# handle' || true)"
	echo "cgroups $(find /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/"$TAG" -mindepth 1 -type d 2>/dev/null | wc -l)"
	echo "container-procs $(find /sys/fs/cgroup/pids/"$TAG" /sys/fs/cgroup/"$TAG" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u | wc -l)"
	# (the pattern comes from a file, so that grep's own command line has none)
	echo "engine-procs $(grep -lsaF -f <(echo "$W") /proc/[0-9]*/cmdline | wc -l)"
	echo "daemon-fds $(find /proc/"$dpid"/fd -mindepth 1 | wc -l)"
	echo "daemon-rss-kib $(awk '/^VmRSS:/ {print $2}' /proc/"$dpid"/status)"
	echo "data-root-bytes $(du -sb "$W/berth" | cut -f1)"
}

# compare_counters BEFORE AFTER (files of counters) prints both side by side
# and "equal" or "different" for each; RSS may differ by 10 %. It returns
# non-zero when any differs.
compare_counters() {
	join <(sort "$1") <(sort "$2") | awk '{
		same = ($2 == $3)
		if ($1 == "daemon-rss-kib") same = ($3 <= $2 * 1.1 && $3 >= $2 * 0.9)
		printf "%-16s %12s %12s  %s\n", $1, $2, $3, same ? "equal" : "DIFFERENT"
		if (!same) bad = 1
	} END {exit bad}'
}

# percentiles NAME reads ms figures, one a line, and prints the count,
# p50, p90, p99 and max.
percentiles() {
	sort -n | awk -v name="$1" '{a[NR]=$1} END {
		if (NR == 0) {printf "%-28s no samples\n", name; exit}
		printf "%-28s n=%-5d p50 %7.1f  p90 %7.1f  p99 %7.1f  max %7.1f ms\n", name, NR,
			a[int(NR*0.5+0.999)], a[int(NR*0.9+0.999)], a[int(NR*0.99+0.999)], a[NR]}'
}
