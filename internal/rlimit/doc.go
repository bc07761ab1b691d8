// Package rlimit names the resource limits of Linux processes, once for
// the whole engine: the OCI names a config.json carries ("RLIMIT_NOFILE"),
// Docker's --ulimit names ("nofile") and their resource numbers. The
// runtime validates and sets process.rlimits with it; the daemon validates
// --ulimit names and clamps limits to its own with it. A leaf: it imports
// only golang.org/x/sys/unix.
package rlimit
