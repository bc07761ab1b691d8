package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/priority"
)

// niceInStat returns the nice value in the text of a /proc/PID/stat.
func niceInStat(t *testing.T, stat string) int {
	t.Helper()
	i := strings.LastIndexByte(stat, ')')
	f := strings.Fields(stat[i+1:])
	if i < 0 || len(f) < 17 {
		t.Fatalf("not a stat line: %q", stat)
	}
	n, err := strconv.Atoi(f[16])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// threadNices returns the nice value of each thread of pid.
func threadNices(t *testing.T, pid int) map[string]int {
	t.Helper()
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	nices := map[string]int{}
	for _, task := range tasks {
		if b, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat")); err == nil {
			nices[task.Name()] = niceInStat(t, string(b))
		}
	}
	return nices
}

// TestDaemonPriority: every thread of the daemon runs at a higher CPU
// priority than the containers, so that the API answers while container
// starts keep the cores busy; the monitor, and everything it starts (a
// container's init, an exec, a health check), has Docker's nice 0.
func TestDaemonPriority(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.mustDocker("run", "-d", "--name", "prio", "--health-cmd", "cat /proc/self/stat >/tmp/health", "--health-interval", "1s",
		"busybox", "sleep", "300")
	for tid, n := range threadNices(t, d.cmd.Process.Pid) {
		if n != priority.Daemon {
			t.Errorf("daemon thread %s: nice %d, want %d", tid, n, priority.Daemon)
		}
	}
	for tid, n := range threadNices(t, d.monitorPid()) {
		if n != priority.Container {
			t.Errorf("monitor thread %s: nice %d, want %d", tid, n, priority.Container)
		}
	}
	for _, args := range [][]string{
		{"run", "--rm", "busybox", "cat", "/proc/self/stat"},
		{"exec", "prio", "cat", "/proc/self/stat"},
	} {
		if n := niceInStat(t, d.mustDocker(args...)); n != priority.Container {
			t.Errorf("%s: a container's process has nice %d, want %d", args[0], n, priority.Container)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, code := d.docker("", "exec", "prio", "cat", "/tmp/health")
		if code == 0 && out != "" {
			if n := niceInStat(t, out); n != priority.Container {
				t.Errorf("a health check runs at nice %d, want %d", n, priority.Container)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no health check ran in 20 s: %s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
