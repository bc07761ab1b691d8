// Package shimclient has the containers' monitor (berth shim monitor, one
// per monitor dir, started when absent) adopt containers and talks to it
// over each container's unix socket. The daemon uses it to create, start,
// attach to, signal, exec in and wait for containers, and to reconnect to
// running containers after a daemon restart (live restore).
//
// The client's side, in the order a container uses it:
//
//	sh, err := shimclient.Start(ctx, shimclient.Config{...}) // the monitor adopts the container: `<runtime> create`, and waits
//	err = sh.Start(ctx)                                     // `<runtime> start`; the container process runs
//	sh.Pid(), sh.ID(), sh.State(ctx)                        // container init pid on the host, id, live state
//	sh.Attach(ctx, shimclient.Streams{...})                 // live stdio; stdin optional; Streams.Ready once registered
//	sh.Resize(ctx, h, w); sh.Kill(ctx, sig); sh.KillAll(ctx, sig)
//	sh.Pause(ctx); sh.Resume(ctx)
//	sh.Wait(ctx)                                            // the exit status recorded by the shim
//	sh.Notify(ctx, func(shimclient.Exit, error))            // the same, called back: nothing waits meanwhile
//	p, err := sh.Exec(ctx, shimclient.ExecConfig{...})      // `<runtime> exec`, monitored by the same shim
//	sh.Delete(ctx) / sh.DeleteForce(ctx)                    // `<runtime> delete`, the monitor forgets it, state dir removed
//	sh, err = shimclient.Connect(ctx, stateDir)             // after a daemon restart
//	sh.Close()                                              // releases the handle; the container runs on
//
// Config.Binary is the berth binary to run as the monitor when none runs
// (default os.Executable()); Config.MonitorDir the monitor's dir
// (EnsureMonitor starts it ahead of need, Stats reports on it). The state
// dir's files and the wire protocol are described in wire.go. "Shim" below
// is the monitor serving one container.
//
// Semantics worth knowing:
//   - Start returns the runtime's own error text when create fails, e.g.
//     `runc create failed: unable to start container process: exec:
//     "nosuchcmd": executable file not found in $PATH`; the state dir is
//     removed then.
//   - The monitor is never the caller's child (CLONE_PARENT, or a double
//     fork) and runs in its own session: killing the daemon leaves it
//     running. Killing the monitor makes every container's shim
//     unreachable: Wait fails with an Unavailable error.
//   - Output before Start is never logged. After Start every line goes to the
//     container's log driver (lines over 16 KiB split, as Docker does),
//     whether or not anyone is attached. Wait returns once the output is
//     drained into the log.
//   - Exec output is not logged; it is held (up to 1 MiB) until the exec's
//     first Attach, so Exec-then-Attach loses nothing. An exec's stdin is
//     closed when its attach's stdin ends. Exited execs are forgotten after
//     five minutes.
//   - Kill signals the init directly (the monitor reaps it, so the pid cannot be
//     reused under it); it is a conflict error once the process has exited.
//   - Exit.Code is 128+signal for a signalled process; OOMKilled comes from
//     the container's memory cgroup (v1 or v2) oom_kill counter.
//   - Connect to a shim that is gone but recorded exit.json gives a handle
//     whose Wait returns that exit and whose Delete runs `<runtime> delete
//     --force` itself and removes the state dir.
package shimclient
