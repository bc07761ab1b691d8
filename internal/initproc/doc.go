// Package initproc is the tiny init used by --init (like tini or
// docker-init): it runs as PID 1 of the container, spawns its arguments as a
// child in the child's own process group, forwards the signals it receives
// to that process group, reaps every zombie reparented to it, and exits with
// the child's status (128+signal when the child was killed by a signal).
//
// Usage: berth init [--] cmd [args…]
package initproc
