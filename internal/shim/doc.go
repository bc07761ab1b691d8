// Package shim is the containers' monitor (`berth shim monitor`): one
// process per monitor dir (a daemon's exec root) that owns every
// container's stdio, writes their logs through their log drivers
// (internal/logger), records their exit
// status, and outlives daemon restarts.
//
// Life of the monitor: shimclient starts `berth shim monitor --dir M` when
// nothing listens on M/monitor.sock, so that it is never the daemon's child
// (one clone with CLONE_PARENT, or `berth shim spawn`, which double-forks)
// and in a session of its own. It takes M/monitor.lock (one monitor per
// dir), becomes a child subreaper, listens on M/monitor.sock and reports
// readiness on fd 3. It keeps one `berth runtime warm` process started
// ahead of need, and hands it the next verb of berth's own runtime, for
// any container.
//
// Life of a container in it: a client writes the container's state dir D
// on monitor.sock. The monitor listens on D/shim.sock, runs `<runtime>
// create` (or `run --detach`) with pipes (or a pty received on a console
// socket) as the container's stdio — through the warm runtime when the
// runtime is berth's own — and answers the init pid or the runtime's error
// text. It then serves the protocol described in package shimclient on
// D/shim.sock until Delete, which closes every descriptor it held for the
// container. One wait loop (reaper) reaps every container's init and
// exec'd processes and hands each exit to its container by pid; the init's
// exit status goes to D/exit.json. An idle container costs the monitor a
// few goroutines and no read buffer (readBufs).
//
// The monitor exits once M is removed and it serves no container, or,
// after SIGTERM or SIGINT, once it serves no container (it keeps serving,
// and adopting, until then). Every runtime verb is killed after
// verbTimeout; a create that failed is followed by the runtime's delete.
// If the monitor is killed, the daemon sees every container's socket fail,
// records them as exited and has the runtime kill them; the next start
// brings up a new monitor.
package shim
