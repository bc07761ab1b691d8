// Package procs runs a container's processes besides its init and carries
// the streams into and out of it. It owns
//
//   - execs: create, start (attached or detached), resize, inspect, and the
//     list of a container's execs that inspect shows; *Service is the exec
//     router's Backend;
//   - attach: to a running container's shim, or queued before a start (the
//     daemon hands the queue the new shim before the process runs), with
//     Docker's detach keys and the replay of the log so far;
//   - logs: reading a container's json-file log (tail, since, until,
//     follow, timestamps);
//   - health checks: one monitor per running container with a
//     healthcheck, probing through the shim's exec and recording the
//     results in the container's state.
//
// It knows containers only as records (internal/container) reached through
// its small Containers interface (find, save, the shim, the user and link
// variables of an exec); the daemon gives it where events go.
package procs
