// Package shim is the per-container monitor (`berth shim`): it owns the
// container's stdio, writes its json-file log, records its exit status, and
// outlives daemon restarts.
//
// Life of a shim: shimclient.Start starts `berth shim serve --state-dir D`
// so that it is never the daemon's child (one clone with CLONE_PARENT, or
// `berth shim spawn`, which double-forks) and in a session of its own, or
// hands D to a shim started ahead of need (`berth shim warm`, see
// shimclient.Pool). The shim becomes a child subreaper, listens on
// D/shim.sock, runs `<runtime> create` (or `run --detach`) with pipes (or a
// pty received on a console socket) as the container's stdio, through a
// `berth runtime warm` process it started ahead of need when the runtime
// is berth's own, and reports readiness — the init pid or the runtime's
// error text — on fd 3. It then serves the protocol described in package
// shimclient until Delete, reaping the container init and exec'd processes
// itself and recording the init's exit status in D/exit.json.
package shim
