#!/usr/bin/env bash
# Benchmark (issue 19): a pod's start through berth's CRI — RunPodSandbox,
# CreateContainer and StartContainer — against a container's start through
# Debian's dockerd (started here with private roots), on the host's network
# both, so that neither sets one up (the pod is a hostNetwork pod: its
# sandbox and its container; dockerd's is one container). Two cases, each
# interleaved:
#   cli: `crictl run` (one client process sends the three calls) against
#        `docker run -d`, a process each start;
#   api: one long-lived client, as a kubelet is (scripts/podstart: gRPC to
#        berth's CRI, the Docker API's create and start to dockerd).
# Each pod or container is removed after its start, untimed. Prints per case
# and engine the median and p90 in ms, and the ratios.
#
#   scripts/bench-pod.sh [ITERATIONS]        (default 30; run as root)
#
# BERTH (default: bin/berth or berth on PATH) is the binary under test;
# crictl is built once into /var/cache/berth-test (scripts/crictl.sh).
N=${1:-30}
. "$(dirname "$0")/bench-lib.sh" pod
CRICTL=/var/cache/berth-test/crictl
scripts/crictl.sh "$CRICTL"
busybox_tar
# A CNI directory of its own: berth writes its default network into an
# empty one, and the host's must stay untouched.
BERTH_ARGS=(--cni-conf-dir "$W/cni")
start_berth
start_dockerd
import_busybox
ep=unix://$W/berth-exec/cri.sock
crictl() { "$CRICTL" -c /dev/null -r "$ep" -i "$ep" -t 60s "$@"; }

mkdir -p "$W/logs"
pod_config() { # n -> a hostNetwork pod's config
	printf '{"metadata":{"name":"bench-%s","namespace":"default","uid":"uid-%s"},"log_directory":"%s",
	"linux":{"security_context":{"namespace_options":{"network":2}}}}\n' "$1" "$1" "$W/logs"
}
echo '{"metadata":{"name":"app"},"image":{"image":"busybox"},"command":["sleep","1000000"],"log_path":"app.log"}' >"$W/ctr.json"
pods=0

declare -A T
run_one() { # engine -> appends µs to T[cli/engine]
	local e=$1 s t
	case $e in berth) pod_config $((pods++)) >"$W/pod.json" ;; esac
	s=$(now)
	case $e in
	berth) crictl run --no-pull "$W/ctr.json" "$W/pod.json" >/dev/null ;;
	docker) docker -H "$DOCKER_SOCK" run -d --network host busybox sleep 1000000 >/dev/null ;;
	esac
	t=$(now)
	T[cli/$e]+="$(((t - s) / 1000)) "
	case $e in
	berth) crictl rmp -f "$(crictl pods -q)" >/dev/null ;;
	docker) docker -H "$DOCKER_SOCK" rm -f "$(docker -H "$DOCKER_SOCK" ps -q)" >/dev/null ;;
	esac
}
for e in berth docker; do run_one "$e"; T[cli/$e]=""; done # warm-up, discarded
for _ in $(seq "$N"); do for e in berth docker; do run_one "$e"; done; done

go build -o "$W/podstart" ./scripts/podstart
while read -r e times; do T[api/$e]=$times; done < <("$W/podstart" -cri "$ep" -docker "$DOCKER_SOCK" -n "$N" -logs "$W/logs")

report cli/berth cli/docker api/berth api/docker
for c in cli api; do
	awk -v b="${MED[$c/berth]}" -v o="${MED[$c/docker]}" -v c="$c" 'BEGIN {printf "ratio berth/docker %s = %.3f\n", c, b/o}'
done
