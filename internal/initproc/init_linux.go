package initproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// run starts argv and supervises it; it returns the exit code to use.
func run(argv []string) (int, error) {
	// When not PID 1 (e.g. run by hand, or in a shared pid namespace),
	// become a subreaper so that orphans still come to us.
	if os.Getpid() != 1 {
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}
	path, err := exec.LookPath(argv[0])
	if err != nil {
		// Same wording and codes as a shell: 127 not found, 126 not runnable.
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return 127, fmt.Errorf("exec %s: %w", argv[0], err)
		}
		return 126, fmt.Errorf("exec %s: %w", argv[0], err)
	}

	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs) // every signal; SIGCHLD drives the reaping
	defer signal.Stop(sigs)

	sys := &syscall.SysProcAttr{Setpgid: true}
	if _, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
		// With a terminal, the child's group must be the foreground one so
		// that it can read the tty and receive ^C. Go does the tcsetpgrp in
		// the child with signals blocked, so no SIGTTOU stops it.
		sys.Foreground = true
		sys.Ctty = 0
	}
	// Start through syscall so that no os.Process waits in the background:
	// this process reaps every child itself with wait4(-1).
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}, Sys: sys}
	pid, err := syscall.ForkExec(path, argv, attr)
	if err != nil && sys.Foreground {
		// stdin is a terminal but not ours to control (not our session's
		// controlling tty): run the child in the background group.
		sys.Foreground = false
		pid, err = syscall.ForkExec(path, argv, attr)
	}
	if err != nil {
		code := 126
		if errors.Is(err, syscall.ENOENT) {
			code = 127
		}
		return code, fmt.Errorf("exec %s: %w", argv[0], err)
	}

	for {
		if code, done := reap(pid); done {
			return code, nil
		}
		sig := (<-sigs).(syscall.Signal)
		switch sig {
		case syscall.SIGCHLD, syscall.SIGURG:
			// SIGCHLD: reap on the next turn. SIGURG: the Go runtime's own
			// preemption signal, not meant for the child.
		case syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGTSTP, syscall.SIGWINCH:
			// Job control and window size changes concern the terminal's
			// foreground group, which the kernel signals directly; SIGWINCH
			// is passed on because it is only sent to us when the tty has us
			// as foreground.
			if sig == syscall.SIGWINCH {
				_ = syscall.Kill(-pid, sig)
			}
		default:
			// The child leads its own process group: signal the group so that
			// a shell and its pipeline all get it. Fall back to the child alone
			// if it has left the group.
			if err := syscall.Kill(-pid, sig); err != nil {
				_ = syscall.Kill(pid, sig)
			}
		}
	}
}

// reap collects every exited child without blocking. It reports the exit
// code once the main child has exited.
func reap(child int) (int, bool) {
	for {
		var ws syscall.WaitStatus
		p, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || p <= 0 {
			return 0, false
		}
		if p != child {
			continue
		}
		switch {
		case ws.Exited():
			return ws.ExitStatus(), true
		case ws.Signaled():
			return 128 + int(ws.Signal()), true
		}
	}
}
