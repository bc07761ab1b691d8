package shim

import (
	"fmt"
	"os"
	"syscall"
)

// spawn starts `berth shim monitor` in a new session with the readiness
// pipe (fd 3) and its stderr, and returns at once: the monitor is
// reparented to the nearest subreaper (or init) and never is a child the
// daemon must reap.
func spawn(dir string) error {
	cloexecFrom(3)
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	ready := os.NewFile(3, "ready")
	if ready == nil {
		return fmt.Errorf("spawn monitor: fd 3 (readiness pipe) is not open")
	}
	p, err := os.StartProcess(self, []string{self, "shim", "monitor", "--dir", dir}, &os.ProcAttr{
		Dir:   "/",
		Files: []*os.File{devnull, devnull, os.Stderr, ready},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return fmt.Errorf("start monitor: %w", err)
	}
	return p.Release()
}
