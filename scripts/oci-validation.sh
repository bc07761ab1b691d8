#!/usr/bin/env bash
# oci-validation.sh runs the OCI runtime validation suite
# (github.com/opencontainers/runtime-tools, its validation/ programs plus
# cmd/runtimetest) against one or more OCI runtimes, in the same run, and
# prints a per-program table side by side and one "N passed, M failed" line
# (TAP assertions) per runtime.
#
# Usage:
#   scripts/oci-validation.sh [options] [RUNTIME...]
#
# A RUNTIME is a command, optionally with arguments and a label:
#   runc                              the runc on PATH, label "runc"
#   /usr/bin/crun                     label "crun"
#   "berth=/tmp/berth runtime"        runs "/tmp/berth runtime <verb> ...", label "berth"
#   "/tmp/berth runtime"              same, label "berth"
# Each runtime gets a generated wrapper script (the suite takes one binary
# path) and, when it accepts the global flag --root, a private state
# directory under the work dir, so leftovers can be deleted without touching
# anybody else's containers. Without RUNTIME arguments it runs runc and, when
# bin/berth exists in this repository, "berth=bin/berth runtime".
#
# Options (or the environment variable in brackets):
#   -t SECONDS   timeout for each program run [OCIVAL_TIMEOUT, default 120]
#   -w DIR       work dir: bundles, state, logs [OCIVAL_WORKDIR, default
#                /tmp/berth-oci-validation]; wiped at start, results kept
#   -r PROGRAMS  only these programs, comma/space separated [OCIVAL_PROGRAMS]
#   -c DIR       cache for the built suite [OCIVAL_CACHE, default
#                ${XDG_CACHE_HOME:-/var/cache}/berth-oci-validation]
#   -H           run the programs in the host mount namespace instead of a
#                private one per program [OCIVAL_HOST_MOUNTNS=1]
#   -l           list the programs and exit
#   -S           score the results of an earlier run in the work dir again
#                (table and regressions.md) without running anything
#
# Every program runs in its own private mount namespace (unshare -m), so a
# container without a mount namespace (linux_ns_itype) or a runtime changing
# mount propagation cannot leak mounts or propagation changes to the host; all
# mounts under the work dir are swept at the end anyway. crun 1.8 refuses this
# machine's hybrid cgroup layout while /sys/fs/cgroup/unified is mounted, so
# for a runtime named crun that mount is removed inside the private namespace.
#
# Results: WORKDIR/results/<label>/<program>.{tap,err,rc,container-stderr},
# WORKDIR/results/summary.txt (the table) and WORKDIR/results/regressions.md
# (for each program the first runtime passes and another fails: the failing
# TAP lines and the program's stderr).
# Exit status: 0 when every program the first runtime passes also passes with
# every other runtime (always 0 with a single runtime), 1 otherwise, 2 when
# the suite cannot be built or run.
set -euo pipefail

SUITE_MODULE=github.com/opencontainers/runtime-tools
SUITE_VERSION=${OCIVAL_VERSION:-v0.9.0}
# RECIPE changes whenever the way the suite is built changes (invalidates the cache).
RECIPE=1
TIMEOUT=${OCIVAL_TIMEOUT:-120}
WORK=${OCIVAL_WORKDIR:-/tmp/berth-oci-validation}
ONLY=${OCIVAL_PROGRAMS:-}
CACHE=${OCIVAL_CACHE:-${XDG_CACHE_HOME:-/var/cache}/berth-oci-validation}
HOSTNS=${OCIVAL_HOST_MOUNTNS:-0}
LIST=0
RESCORE=0
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "oci-validation: $*" >&2; exit 2; }
log() { echo "oci-validation: $*" >&2; }

while getopts "t:w:r:c:HlSh" opt; do
	case $opt in
	t) TIMEOUT=$OPTARG ;;
	w) WORK=$OPTARG ;;
	r) ONLY=$OPTARG ;;
	c) CACHE=$OPTARG ;;
	H) HOSTNS=1 ;;
	l) LIST=1 ;;
	S) RESCORE=1 ;;
	h) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# ---------------------------------------------------------------- build
# build_suite builds runtimetest and every validation program from the
# module proxy into $CACHE/<version>-r<recipe>-<go version>/ unless cached.
build_suite() {
	local gov key dst src tmp
	command -v go >/dev/null || die "go is required to build the suite"
	gov=$(go env GOVERSION)
	key="$SUITE_VERSION-r$RECIPE-$gov"
	dst="$CACHE/$key"
	SUITE="$dst"
	[ -f "$dst/.complete" ] && return 0
	log "building $SUITE_MODULE@$SUITE_VERSION into $dst"
	mkdir -p "$CACHE"
	export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-buildvcs=false GO111MODULE=on
	src=$(cd / && go mod download -json "$SUITE_MODULE@$SUITE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -d "$src" ] || die "cannot download $SUITE_MODULE@$SUITE_VERSION from the module proxy"
	tmp=$(mktemp -d "$CACHE/build.XXXXXX")
	cp -r "$src/." "$tmp/src"
	chmod -R u+w "$tmp/src"
	# Every step checks its status: errexit does not work in a subshell on the
	# left of ||.
	(
		cd "$tmp/src" || exit 1
		rm -rf Godeps vendor
		# v0.9.0 has no go.mod: pin what it was written against.
		if [ ! -f go.mod ]; then go mod init "$SUITE_MODULE" 2>/dev/null || exit 1; fi
		go get github.com/opencontainers/runtime-spec@v1.0.2 github.com/urfave/cli@v1.19.1 \
			github.com/blang/semver@v3.5.0+incompatible github.com/satori/go.uuid@v1.2.0 2>/dev/null || exit 1
		# go-selinux dropped label.FileLabel; selinux.FileLabel is the same call.
		sed -i 's#"github.com/opencontainers/selinux/go-selinux/label"#"github.com/opencontainers/selinux/go-selinux"#; s#label\.FileLabel(#selinux.FileLabel(#' \
			cmd/runtimetest/main.go || exit 1
		go mod tidy 2>/dev/null || go mod tidy || exit 1
		mkdir -p "$tmp/out/bin" || exit 1
		CGO_ENABLED=0 go build -o "$tmp/out/runtimetest" ./cmd/runtimetest || exit 1
		go build -o "$tmp/out/bin/" ./validation/... || exit 1
		cp "rootfs-$(go env GOARCH).tar.gz" "$tmp/out/" || exit 1
	) || { rm -rf "$tmp"; die "building the suite failed"; }
	if [ ! -x "$tmp/out/runtimetest" ] || [ "$(find "$tmp/out/bin" -type f | wc -l)" -lt 50 ]; then
		rm -rf "$tmp"
		die "building the suite left no runtimetest or too few programs"
	fi
	printf '%s\n' "$SUITE_MODULE@$SUITE_VERSION recipe $RECIPE $gov" >"$tmp/out/.complete"
	rm -rf "$dst"
	mv "$tmp/out" "$dst"
	rm -rf "$tmp"
}

# ---------------------------------------------------------------- mounts
# sweep_mounts unmounts everything mounted at or below $1, deepest first.
sweep_mounts() {
	local dir=$1 i m
	for i in 1 2 3 4 5; do
		mapfile -t ms < <(awk -v d="$dir" '{
			p = $5; gsub(/\\040/, " ", p)
			if (p == d || index(p, d "/") == 1) print length(p) "\t" p
		}' /proc/self/mountinfo | sort -rn | cut -f2-)
		[ ${#ms[@]} -eq 0 ] && return 0
		for m in "${ms[@]}"; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
	done
	log "warning: mounts left under $dir"
	return 1
}

# ---------------------------------------------------------------- runtimes
LABELS=()
declare -A WRAPPER STATE FIXCG
# add_runtime SPEC sets up a wrapper for "[label=]command [args]".
add_runtime() {
	local spec=$1 label="" words cmd base i wrapper state
	if [[ $spec =~ ^([A-Za-z0-9_.-]+)=(.+)$ ]]; then
		label=${BASH_REMATCH[1]}
		spec=${BASH_REMATCH[2]}
	fi
	read -r -a words <<<"$spec"
	[ ${#words[@]} -gt 0 ] || die "empty runtime"
	cmd=${words[0]}
	if [[ $cmd == */* ]]; then
		[ -x "$cmd" ] || die "runtime $cmd is not executable"
		cmd=$(cd "$(dirname "$cmd")" && pwd)/$(basename "$cmd")
	else
		cmd=$(command -v "$cmd") || die "runtime ${words[0]} not found on PATH"
	fi
	words[0]=$cmd
	base=$(basename "$cmd")
	[ -n "$label" ] || label=$base
	i=2
	while [ -n "${WRAPPER[$label]:-}" ]; do label="${label%-*}-$i"; i=$((i + 1)); done
	mkdir -p "$WORK/bin" "$WORK/state/$label"
	state="$WORK/state/$label"
	FIXCG[$label]=0
	[ "$base" = crun ] && FIXCG[$label]=1
	# A private state root when the runtime takes runc's global --root flag.
	if in_ns "${FIXCG[$label]}" "${words[@]}" --root "$state" list >/dev/null 2>&1; then
		words+=(--root "$state")
		STATE[$label]=$state
	else
		log "warning: $label does not accept --root; leftovers cannot be cleaned up"
		STATE[$label]=""
	fi
	wrapper="$WORK/bin/$label"
	# The suite keeps the container's stdout and stderr in files in the
	# bundle and shows neither when the container fails inside; before a
	# delete the wrapper appends non-empty stderr files to $OCIVAL_CAPTURE.
	# The suite starts the runtime with the host's /dev/null as stdin, which
	# crun 1.8 chowns to the container's root (see host guard): the wrapper
	# gives it an empty file instead.
	{
		echo '#!/bin/bash'
		printf 'rt=('
		printf ' %q' "${words[@]}"
		printf ' )\n'
		cat <<-'EOS'
			if [ "$1" = delete ] && [ -n "${OCIVAL_CAPTURE:-}" ]; then
				b=$("${rt[@]}" state "${!#}" 2>/dev/null | sed -n 's/^ *"bundle": *"\(.*\)",\{0,1\}$/\1/p')
				for f in "$b"/stderr-*; do
					[ -n "$b" ] && [ -s "$f" ] && { echo "== ${!#}"; head -c 4000 "$f"; echo; } >>"$OCIVAL_CAPTURE"
				done
			fi
			if [ -n "${OCIVAL_STDIN:-}" ] && [ /proc/self/fd/0 -ef /dev/null ]; then
				exec "${rt[@]}" "$@" <"$OCIVAL_STDIN"
			fi
			exec "${rt[@]}" "$@"
		EOS
	} >"$wrapper"
	chmod +x "$wrapper"
	WRAPPER[$label]=$wrapper
	LABELS+=("$label")
}

# in_ns FIXCG CMD... runs CMD in a private mount namespace (unless -H), after
# unmounting the cgroup2 mount of a hybrid layout when FIXCG is 1.
in_ns() {
	local fix=$1
	shift
	if [ "$HOSTNS" = 1 ]; then
		"$@"
		return
	fi
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare -m --propagation private -- bash -c '
		if [ "$1" = 1 ] && mountpoint -q /sys/fs/cgroup/unified; then
			umount /sys/fs/cgroup/unified || exit 125
		fi
		shift; exec "$@"' in_ns "$fix" "$@"
}

# cleanup_runtime deletes every container left in the private state root of $1.
cleanup_runtime() {
	local label=$1 state=${STATE[$1]} d
	[ -n "$state" ] && [ -d "$state" ] || return 0
	for d in "$state"/*/; do
		[ -d "$d" ] || continue
		in_ns "${FIXCG[$label]}" "${WRAPPER[$label]}" delete --force "$(basename "$d")" >/dev/null 2>&1 || true
	done
}

# ---------------------------------------------------------------- host guard
# A runtime that binds host device nodes into a container and then changes
# them (chmod, chown), or that chowns the container's stdio to the container's
# root (crun 1.8 does that to a /dev/null stdin: the host's /dev/null became
# 1000:1000 in linux_ns_nopath), damages the host; the mount namespace does
# not protect files. The programs therefore get an empty file, not /dev/null,
# as stdin. host_dev prints the state of the usual device nodes (with ctime,
# so that a chmod or chown to the same value shows too); host_guard compares
# it with the state before the program, restores mode and owner, and records
# the change in results/host-damage.txt.
HOST_DEVS="/dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/ptmx"
host_dev() {
	# shellcheck disable=SC2086
	stat -c '%n %F %t:%T %a %u:%g %Z' $HOST_DEVS 2>&1
}
host_guard() {
	local prog=$1 label=$2 now n mode owner
	now=$(host_dev)
	[ "$now" = "$HOST_DEV0" ] && return 0
	{
		echo "$(date -u +%T) host device nodes touched while $prog ran with $label (or by another process):"
		diff <(echo "$HOST_DEV0") <(echo "$now") || true
	} | tee -a "$WORK/results/host-damage.txt" | sed 's/^/oci-validation: WARNING: /' >&2
	# "%n character special file %t:%T %a %u:%g %Z"
	while read -r n _ _ _ _ mode owner _; do
		[ -c "$n" ] || continue
		chmod "$mode" "$n" 2>/dev/null
		chown "$owner" "$n" 2>/dev/null
	done <<<"$HOST_DEV0"
	HOST_DEV0=$(host_dev)
}

# ---------------------------------------------------------------- TAP
# tap_count FILE RC PROGRAM prints "status passed failed" for one program run.
# Passed: "ok" lines (skips included) and "not ok # TODO". Failed: "not ok",
# "Bail out!", results missing from the plans (a program may print several
# TAP streams), an orphan YAML diagnostic with an "error" key (one that
# follows no test line: the hook programs report their verdict that way), and
# a vacuous "ok": the suite reports a container check as ok when the container
# printed nothing at all ("stdout": "" in the diagnostic before it), which
# means runtimetest never ran. A program that prints no TAP at all passes only
# when it is a *_fail program (those expect the runtime to refuse the config
# and stay silent then) and exits 0; the programs that only relay
# runtimetest's TAP print nothing when the container never ran. The status is
# PASS when the program exits 0 with nothing failed; a program without
# assertions counts as one passed or failed assertion.
tap_count() {
	awk -v rc="$2" -v prog="$3" '
		/^  ---/ { inb = 1; berr = 0; next }
		inb && /^  \.\.\./ { inb = 0; if (berr && !(prev ~ /^(ok|not ok)/)) orphan++; next }
		inb { if ($0 ~ /"error":/) berr = 1; if ($0 ~ /^ *"stdout": "",?$/) vac = 1; next }
		/^TAP version/ { tap = 1; prev = ""; next }
		/^ok( |$)/ { if (vac) nok++; else ok++; vac = 0; tap = 1; prev = $0; next }
		/^not ok/ { if ($0 ~ /# *TODO/) ok++; else nok++; vac = 0; tap = 1; prev = $0; next }
		/^Bail out!/ { bail = 1; next }
		/^1\.\.[0-9]+/ { split($0, a, /\.\./); plan += a[2] + 0; tap = 1; prev = ""; next }
		/^#/ { next }
		/^[^ ]/ { if (!(prev ~ /^Refer to:/ || prev ~ /^(ok|not ok)/)) prev = $0 }
		END {
			total = ok + nok
			if (plan > total) nok += plan - total
			nok += orphan + bail
			status = "PASS"
			if (rc != 0 || nok > 0) status = "FAIL"
			if (!tap && !(prog ~ /_fail$/)) status = "FAIL"
			if (rc == 124 || rc == 137) status = "TIME"
			if (status == "PASS" && ok == 0) ok = 1
			if (status != "PASS" && nok == 0) nok = 1
			printf "%s %d %d\n", status, ok, nok
		}' "$1"
}

# tap_failures FILE prints the lines behind the failures tap_count counts:
# "not ok" lines with their diagnostics, orphan error diagnostics and vacuous
# "ok" lines; long lines are cut.
tap_failures() {
	awk '
		function cut(s) { return length(s) > 400 ? substr(s, 1, 400) "..." : s }
		/^  ---/ { inb = 1; blk = ""; berr = 0; vac = 0; next }
		inb && /^  \.\.\./ {
			inb = 0
			if (shownok) print blk
			else if (berr && !(prev ~ /^(ok|not ok)/)) print "(diagnostic without a test line)\n" blk
			if (blk ~ /"stdout": ""/) vacnext = 1
			next
		}
		inb { if ($0 ~ /"error":/) berr = 1; blk = blk (blk == "" ? "" : "\n") "    " cut($0); next }
		/^not ok/ { print cut($0); shownok = 1; vacnext = 0; prev = $0; next }
		/^ok( |$)/ { if (vacnext) print cut($0) "   <- vacuous: the container printed nothing (runtimetest did not run)"; vacnext = 0; shownok = 0; prev = $0; next }
		/^Bail out!/ { print; next }
		/^(1\.\.|TAP version)/ { shownok = 0; prev = ""; next }
		/^#/ { if (shownok) print cut($0); next }
		/^[^ ]/ { if (!(prev ~ /^Refer to:/ || prev ~ /^(ok|not ok)/)) prev = $0; if (shownok) print cut($0) }
	' "$1"
}

# ---------------------------------------------------------------- main
declare -A RES
if [ "$RESCORE" = 1 ]; then
	# Score the results of an earlier run again, without running anything.
	WORK=$(cd "$WORK" && pwd)
	[ -s "$WORK/results/labels" ] || die "no earlier results in $WORK/results"
	mapfile -t LABELS <"$WORK/results/labels"
	mapfile -t PROGS <"$WORK/results/programs"
	for p in "${PROGS[@]}"; do
		for l in "${LABELS[@]}"; do
			f="$WORK/results/$l/$p"
			RES[$l/$p]=$(tap_count "$f.tap" "$(cat "$f.rc" 2>/dev/null || echo 1)" "$p")
		done
	done
else
	build_suite
	# shellcheck disable=SC2012 # program names are plain words
	mapfile -t ALL < <(cd "$SUITE/bin" && ls | sort)
	if [ "$LIST" = 1 ]; then
		printf '%s\n' "${ALL[@]}"
		exit 0
	fi
	PROGS=()
	if [ -n "$ONLY" ]; then
		for p in ${ONLY//,/ }; do
			[ -x "$SUITE/bin/$p" ] || die "no validation program $p (see -l)"
			PROGS+=("$p")
		done
	else
		PROGS=("${ALL[@]}")
	fi

	[ "$(id -u)" = 0 ] || die "the suite needs root"
	command -v unshare >/dev/null || HOSTNS=1

	if [ $# -eq 0 ]; then
		set -- runc
		[ -x "$REPO/bin/berth" ] && set -- runc "berth=$REPO/bin/berth runtime"
	fi

	case $WORK in /|/tmp|/var|/var/tmp|"") die "refusing work dir $WORK" ;; esac
	mkdir -p "$WORK"
	WORK=$(cd "$WORK" && pwd)
	sweep_mounts "$WORK" || true
	for d in bin state run results; do rm -rf --one-file-system "${WORK:?}/$d"; done
	mkdir -p "$WORK/results"
	: >"$WORK/stdin"

	finish() {
		local l d
		for l in "${LABELS[@]}"; do cleanup_runtime "$l"; done
		# The suite's cgroup paths (runtime-tools cgroups.AbsCgroupPath and
		# RelCgroupPath); runtimes remove only the leaf. rmdir only takes
		# empty cgroups.
		for d in /sys/fs/cgroup/*/testdir/cgrouptest/container /sys/fs/cgroup/*/testdir/cgrouptest \
			/sys/fs/cgroup/*/testdir /sys/fs/cgroup/*/cgrouptest; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
		sweep_mounts "$WORK" || true
		rm -rf --one-file-system "$WORK/run"
	}
	trap finish EXIT
	trap 'exit 130' INT TERM

	for spec in "$@"; do add_runtime "$spec"; done
	HOST_DEV0=$(host_dev)
	grep -q '^/dev/null character special file 1:3 666 0:0 ' <<<"$HOST_DEV0" ||
		log "WARNING: host /dev/null is not a 0666 root-owned character device 1:3 (user namespace tests will fail): $(head -1 <<<"$HOST_DEV0")"
	printf '%s\n' "${LABELS[@]}" >"$WORK/results/labels"
	printf '%s\n' "${PROGS[@]}" >"$WORK/results/programs"
	log "suite $SUITE_MODULE@$SUITE_VERSION, ${#PROGS[@]} programs, runtimes: ${LABELS[*]}, timeout ${TIMEOUT}s"

	for p in "${PROGS[@]}"; do
		for l in "${LABELS[@]}"; do
			run="$WORK/run/$l"
			out="$WORK/results/$l"
			mkdir -p "$run/tmp" "$out"
			# A copy: the suite copies symlinks as symlinks into the bundle.
			[ -f "$run/runtimetest" ] || cp "$SUITE/runtimetest" "$run/runtimetest"
			ln -sf "$SUITE"/rootfs-*.tar.gz "$run/"
			rc=0
			# shellcheck disable=SC2094 # $WORK/stdin is only read
			(
				cd "$run"
				export RUNTIME="${WRAPPER[$l]}" TMPDIR="$run/tmp" OCIVAL_CAPTURE="$out/$p.container-stderr" \
					OCIVAL_STDIN="$WORK/stdin"
				in_ns "${FIXCG[$l]}" timeout -k 10 "$TIMEOUT" "$SUITE/bin/$p"
			) <"$WORK/stdin" >"$out/$p.tap" 2>"$out/$p.err" || rc=$?
			echo "$rc" >"$out/$p.rc"
			cleanup_runtime "$l"
			host_guard "$p" "$l"
			sweep_mounts "$run" || true
			rm -rf --one-file-system "$run/tmp"
			RES[$l/$p]=$(tap_count "$out/$p.tap" "$rc" "$p")
			read -r st ok nok <<<"${RES[$l/$p]}"
			log "$(printf '%s %-36s %-8s %s %d/%d' "$(date -u +%T)" "$p" "$l" "$st" "$ok" "$nok")"
		done
	done
fi

# Table: program, then per runtime "STATUS ok/failed"; "<<" marks a program
# the first runtime passes and another runtime does not.
regress=0
{
	printf '%-36s' program
	for l in "${LABELS[@]}"; do printf ' %-16s' "$l"; done
	printf '\n'
	for p in "${PROGS[@]}"; do
		printf '%-36s' "$p"
		mark=""
		ref=${RES[${LABELS[0]}/$p]%% *}
		for l in "${LABELS[@]}"; do
			read -r st ok nok <<<"${RES[$l/$p]}"
			printf ' %-16s' "$st $ok/$nok"
			[ "$ref" = PASS ] && [ "$st" != PASS ] && mark=" <<"
		done
		[ -n "$mark" ] && regress=$((regress + 1))
		printf '%s\n' "$mark"
	done
	echo
	for l in "${LABELS[@]}"; do
		tp=0 tf=0 pp=0 pf=0
		for p in "${PROGS[@]}"; do
			read -r st ok nok <<<"${RES[$l/$p]}"
			tp=$((tp + ok)) tf=$((tf + nok))
			if [ "$st" = PASS ]; then pp=$((pp + 1)); else pf=$((pf + 1)); fi
		done
		echo "$l: programs $pp passed, $pf failed"
		if [ ${#LABELS[@]} -eq 1 ]; then
			echo "$tp passed, $tf failed"
		else
			echo "$l: $tp passed, $tf failed"
		fi
	done
} >"$WORK/results/summary.txt"
cat "$WORK/results/summary.txt"

# regressions.md: for each program the first runtime passes and another fails,
# the failing TAP lines and the start of the program's stderr.
{
	echo "# OCI validation: programs ${LABELS[0]} passes and another runtime fails"
	echo
	for p in "${PROGS[@]}"; do
		[ "${RES[${LABELS[0]}/$p]%% *}" = PASS ] || continue
		for l in "${LABELS[@]:1}"; do
			read -r st ok nok <<<"${RES[$l/$p]}"
			[ "$st" = PASS ] && continue
			echo "## $p: $l $st $ok/$nok (exit $(cat "$WORK/results/$l/$p.rc")), ${LABELS[0]} ${RES[${LABELS[0]}/$p]}"
			echo
			echo '```'
			tap_failures "$WORK/results/$l/$p.tap" | head -60
			grep -q -E '^(ok|not ok|1\.\.)' "$WORK/results/$l/$p.tap" ||
				echo "(no TAP output: this program relays runtimetest's output from inside the container, which never arrived)"
			if [ -s "$WORK/results/$l/$p.err" ]; then
				echo "--- stderr:"
				cut -c1-400 "$WORK/results/$l/$p.err" | head -20
			fi
			if [ -s "$WORK/results/$l/$p.container-stderr" ]; then
				echo "--- container stderr:"
				cut -c1-400 "$WORK/results/$l/$p.container-stderr" | head -20
			fi
			echo '```'
			echo
		done
	done
} >"$WORK/results/regressions.md"
if [ ${#LABELS[@]} -gt 1 ]; then
	log "$regress program(s) pass with ${LABELS[0]} and fail with another runtime (marked <<); results in $WORK/results"
fi
[ "$regress" -eq 0 ]
