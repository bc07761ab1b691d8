// Command runtime benchmarks OCI runtimes side by side: the time to create,
// start, wait for and delete a container running `true` from a busybox
// bundle, for `berth runtime`, runc and crun in one interleaved run.
//
// Usage (as root, Linux):
//
//	go run ./bench/runtime [-n 50] [-warmup 3] [RUNTIME...]
//
// A RUNTIME is "[label=]command [args]", e.g. "runc", "crun" or
// "berth=/usr/local/bin/berth runtime"; without arguments it measures runc and
// crun. Two modes are measured, each with the same verbs for every runtime:
//
//   - run: `<rt> run <id>` with stdio on /dev/null, then `<rt> delete <id>`
//     (runc and crun delete a foreground container themselves; the delete is
//     still issued for every runtime so that all do the same calls);
//   - seq: `<rt> create --pid-file`, `<rt> start`, wait for the container's
//     process to exit (pidfd_open + poll on the pid from the pid file, no
//     state polling), `<rt> delete`.
//
// Iterations are round-robin (runc, crun, berth, runc, ...), so slow drifts of
// the machine hit every runtime alike. Each runtime is driven by a worker
// process (this binary re-executed) in a private mount namespace; timing
// happens in the worker around the runtime's own processes. crun 1.8 refuses
// the cgroup v1 "hybrid" layout while /sys/fs/cgroup/unified is mounted, so
// the worker of a runtime named crun unmounts it in its private namespace
// (-umount-unified chooses the labels). Every runtime gets its own --root
// under -root, the same bundle content, and container ids prefixed with
// "bt-ov-bench-".
//
// The report gives per runtime and mode the wall-clock median, p90, min and
// max, the median of each verb, the median CPU time (user+system, from
// wait4) of the runtime's own processes, and the ratios of the subject
// runtime (-subject, default "berth") to every other runtime. On a busy
// machine the min and CPU ratios are the steadier ones.
package main
