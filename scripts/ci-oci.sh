#!/usr/bin/env bash
# ci-oci.sh is the CI hook for the OCI conformance run and the runtime
# benchmark: it builds berth (make build), runs the OCI validation suite with
# runc and `berth runtime` side by side, then the runtime benchmark, and
# leaves the reports in ARTIFACTS (default .work/oci). It fails when a
# validation program that runc passes fails with berth; the benchmark only
# reports. Needs root, Go, runc (crun optional), busybox-static.
#
# Environment: ARTIFACTS, BENCH_N (default 50, 0 skips the benchmark),
# OCIVAL_TIMEOUT and the other OCIVAL_* settings of oci-validation.sh.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ART=${ARTIFACTS:-$REPO/.work/oci}
BENCH_N=${BENCH_N:-50}
mkdir -p "$ART"
ART=$(cd "$ART" && pwd)
make -C "$REPO" build
BERTH=$REPO/bin/berth
export OCIVAL_WORKDIR=${OCIVAL_WORKDIR:-$ART/validation}
status=0
"$REPO/scripts/oci-validation.sh" runc "berth=$BERTH runtime" 2>&1 | tee "$ART/oci-validation.txt" || status=$?
if [ "$status" -ne 0 ] && [ -f "$OCIVAL_WORKDIR/results/regressions.md" ]; then
	# A program that fails with berth once and passes with both runtimes on a
	# second run, side by side again, is reported as flaky rather than failing
	# the run; one that fails again is a regression.
	again=$(sed -n 's/^## \([^:]*\): .*/\1/p' "$OCIVAL_WORKDIR/results/regressions.md" | sort -u | tr '\n' ' ')
	if [ -n "$again" ]; then
		echo "ci-oci: re-running the programs that failed with berth only: $again"
		cp "$OCIVAL_WORKDIR/results/regressions.md" "$ART/regressions-first-run.md"
		if OCIVAL_PROGRAMS="$again" "$REPO/scripts/oci-validation.sh" runc "berth=$BERTH runtime" 2>&1 | tee "$ART/oci-validation-rerun.txt"; then
			echo "ci-oci: FLAKY (failed once, passed on the re-run): $again"
			status=0
		fi
	fi
fi
if [ "$BENCH_N" -gt 0 ]; then
	rts=(runc)
	command -v crun >/dev/null && rts+=(crun)
	rts+=("berth=$BERTH runtime")
	"$REPO/scripts/bench-runtime.sh" -n "$BENCH_N" -o "$ART/bench.txt" "${rts[@]}"
fi
exit "$status"
