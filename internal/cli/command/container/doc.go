// Package container holds the container commands: run, create, start,
// attach, exec, logs, stop, kill, restart, rm, pause, wait, top, diff, cp,
// export, commit, port, update, stats, ps, prune, inspect and the
// "container" group. It owns the translation of run and create's flags
// into the create request (flags.go, config.go, by flag group), docker
// cp's tar naming, and the container side of attaching (streams, resize,
// signal forwarding).
package container
