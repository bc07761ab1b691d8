// Package shimclient starts the per-container monitor (berth shim) and talks to
// it over its unix socket. The daemon uses it to create, start, attach to,
// signal, exec in and wait for containers, and to reconnect to running
// containers after a daemon restart (live restore).
//
// CONTRACT (shared by daemon and shim owners; keep signatures stable):
//
//	sh, err := shimclient.Start(ctx, shimclient.Config{...}) // forks `berth shim`, which runs `<runtime> create` and waits
//	err = sh.Start(ctx)                                     // `<runtime> start`; the container process runs
//	sh.Pid()                                                // container init pid on the host
//	sh.Attach(ctx, shimclient.Streams{...})                 // live stdio; stdin optional
//	sh.Resize(ctx, h, w); sh.Kill(ctx, sig); sh.Wait(ctx)   // Wait returns the exit status recorded by the shim
//	p, err := sh.Exec(ctx, shimclient.ExecConfig{...})      // `<runtime> exec`, monitored by the same shim
//	sh.Delete(ctx)                                          // `<runtime> delete`, shim exits, state dir removed
//	sh, err = shimclient.Connect(ctx, stateDir)             // after a daemon restart
package shimclient
