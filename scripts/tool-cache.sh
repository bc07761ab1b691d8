# Sourced by the scripts that build a test tool once per machine into
# $out (compose-v2.sh, crictl.sh, critest-build.sh, kubelet.sh): it exits
# when $out is there already; otherwise it takes $out's lock (a concurrent
# build of the same tool waits, then finds it there) and makes $work, a
# scratch directory removed on exit.
[ -x "$out" ] && exit 0
mkdir -p "$(dirname "$out")"
exec 9>"$out.lock"
flock 9
[ -x "$out" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
