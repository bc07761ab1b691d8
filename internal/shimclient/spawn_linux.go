package shimclient

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// forceDoubleFork makes spawnMonitor take the fallback path (tests).
var forceDoubleFork bool

// spawnMonitor starts `berth shim monitor --dir dir` so that it is never the
// caller's child, in a session of its own, with ready as fd 3 and logf as
// stderr.
//
// The fast way is one clone with CLONE_PARENT (clone(2)): the monitor
// becomes a sibling of the daemon, so the daemon's parent (init, systemd, a
// shell) reaps it, and killing the daemon leaves it alone. A pid
// namespace's init may not use CLONE_PARENT; there `berth shim spawn`
// double-forks instead, at the price of one more process start.
func spawnMonitor(bin, dir string, logf, ready *os.File) error {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	if forceDoubleFork {
		err = syscall.EINVAL
	} else {
		var p *os.Process
		p, err = os.StartProcess(bin, []string{bin, "shim", "monitor", "--dir", dir}, &os.ProcAttr{
			Dir:   "/",
			Files: []*os.File{devnull, devnull, logf, ready},
			Sys:   &syscall.SysProcAttr{Setsid: true, Cloneflags: unix.CLONE_PARENT},
		})
		if err == nil {
			return p.Release()
		}
	}
	if !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.EPERM) {
		return fmt.Errorf("start monitor: %w", err)
	}
	cmd := exec.Command(bin, "shim", "spawn", "--dir", dir)
	cmd.Stderr = logf
	cmd.ExtraFiles = []*os.File{ready}
	cmd.Dir = "/"
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("spawn monitor: %w", err)
	}
	return nil
}
