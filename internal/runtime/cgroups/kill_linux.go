package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Kill sends sig to every process of the cgroup. SIGKILL goes through
// cgroup.kill where the kernel has it (v2, Linux 5.14), which reaches every
// process atomically; otherwise the cgroup is frozen while the signals are
// sent, so that no process forks a child the signal misses, and thawed
// afterwards so that the signal is delivered. Processes that exit meanwhile
// are not errors.
func (m *manager) Kill(sig unix.Signal) error {
	if sig == unix.SIGKILL && m.v2 {
		f := filepath.Join(m.paths[""], "cgroup.kill")
		if _, err := os.Stat(f); err == nil {
			if err := os.WriteFile(f, []byte("1"), 0); err != nil {
				return fmt.Errorf("kill cgroup %s: %w", m.where(), err)
			}
			return nil
		}
	}
	if sig == unix.SIGKILL {
		if err := m.Freeze(); err == nil {
			defer m.Thaw() //nolint:errcheck // best effort: the processes are dying
		}
	}
	pids, err := m.Pids()
	if err != nil {
		return err
	}
	var errs []error
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("send %v to pid %d: %w", sig, pid, err))
		}
	}
	return errors.Join(errs...)
}
