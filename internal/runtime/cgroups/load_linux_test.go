package cgroups

import (
	"strings"
	"testing"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"
)

// A cgroup that is gone (container deleted, host rebooted) loads, has no
// processes, can be "killed" and destroyed without error.
func TestLoadGoneCgroup(t *testing.T) {
	dir := t.TempDir() + "/gone"
	paths := map[string]string{"devices": dir, "memory": dir + "-m"}
	if cgroups.IsCgroup2UnifiedMode() {
		paths = map[string]string{"": dir}
	}
	m, err := Load(paths)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if pids, err := m.Pids(); err != nil || len(pids) != 0 {
		t.Errorf("Pids = %v, %v", pids, err)
	}
	if err := m.Kill(unix.SIGTERM); err != nil {
		t.Errorf("Kill: %v", err)
	}
	if err := m.Destroy(); err != nil {
		t.Errorf("Destroy: %v", err)
	}
}

func TestLoadRejectsBadPaths(t *testing.T) {
	for _, paths := range []map[string]string{
		nil,
		{"devices": "relative/path"},
		{"devices": "/sys/fs/cgroup/devices/../x"},
	} {
		if _, err := Load(paths); err == nil {
			t.Errorf("Load(%v) accepted", paths)
		}
	}
	// The saved layout must match the host's.
	wrong := map[string]string{"": "/sys/fs/cgroup/x"}
	if cgroups.IsCgroup2UnifiedMode() {
		wrong = map[string]string{"devices": "/sys/fs/cgroup/devices/x", "memory": "/sys/fs/cgroup/memory/x"}
	}
	if _, err := Load(wrong); err == nil || !strings.Contains(err.Error(), "saved paths") {
		t.Errorf("Load(%v) = %v", wrong, err)
	}
}
