// Package shim is the per-container monitor (`berth shim`): it owns the
// container's stdio, writes its json-file log, records its exit status, and
// outlives daemon restarts.
//
// Life of a shim: shimclient.Start runs `berth shim spawn --state-dir D`,
// which starts `berth shim serve --state-dir D` in a new session and exits at
// once (so the shim is never the daemon's child). The shim becomes a child
// subreaper, listens on D/shim.sock, runs `<runtime> create` with pipes (or a
// pty received on a console socket) as the container's stdio, and reports
// readiness — the init pid or the runtime's error text — on fd 3. It then
// serves the protocol described in package shimclient until Delete, reaping
// the container init and exec'd processes itself and recording the init's
// exit status in D/exit.json.
package shim
