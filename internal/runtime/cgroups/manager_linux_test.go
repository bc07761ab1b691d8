package cgroups

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/testutil"
)

// testCgroup returns an absolute cgroupsPath under the root of every
// hierarchy, unique to this test, with the bt-rl- prefix.
func testCgroup(t *testing.T) string {
	return fmt.Sprintf("/bt-rl-%d-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "-"))
}

// startChild starts a busybox shell loop that appends to a file every
// 20ms, so that a frozen cgroup shows as a file that stops growing.
func startChild(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ticks")
	cmd := exec.Command(testutil.BusyboxPath, "sh", "-c", `while :; do echo x >> "$0"; usleep 20000; done`, out)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start busybox: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, out
}

func newApplied(t *testing.T, pid int) Manager {
	t.Helper()
	m, err := New(testCgroup(t), "unused")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		// Leave nothing behind even when the test failed half-way.
		_ = m.Kill(unix.SIGKILL)
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if pids, _ := m.Pids(); len(pids) == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = m.Destroy()
	})
	if err := m.Apply(pid); err != nil {
		t.Fatalf("Apply(%d): %v", pid, err)
	}
	return m
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

func size(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

func TestManagerLifecycle(t *testing.T) {
	testutil.RequireRoot(t)
	cmd, ticks := startChild(t)
	pid := cmd.Process.Pid
	m := newApplied(t, pid)
	paths := m.Paths()
	_, v2 := paths[""]
	v2 = v2 && len(paths) == 1

	// The process is in the cgroup, as the kernel sees it.
	self, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(self), testCgroup(t)) {
		t.Errorf("/proc/%d/cgroup does not show %s:\n%s", pid, testCgroup(t), self)
	}
	pids, err := m.Pids()
	if err != nil || !slices.Contains(pids, pid) {
		t.Fatalf("Pids() = %v, %v; want %d in it", pids, err, pid)
	}

	// Limits, read back from the files. On v2 only the controllers the
	// host enables can be set (a hybrid host seen through a cgroup2 mount,
	// see TestV2InMountNamespace, has none).
	t.Logf("paths %v", paths)
	limit, pidsMax := int64(64<<20), int64(50)
	res := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &limit},
		Pids:   &specs.LinuxPids{Limit: &pidsMax},
		CPU:    &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Cpus: "0", Mems: "0"},
	}
	var ctrls string
	if v2 {
		data, _ := os.ReadFile(filepath.Join(filepath.Dir(paths[""]), "cgroup.controllers"))
		ctrls = " " + strings.TrimSpace(string(data)) + " "
		if !strings.Contains(ctrls, " memory ") {
			res.Memory = nil
		}
		if !strings.Contains(ctrls, " pids ") {
			res.Pids = nil
		}
		if !strings.Contains(ctrls, " cpu ") || !strings.Contains(ctrls, " cpuset ") {
			res.CPU = nil
		}
		t.Logf("v2 controllers:%s", ctrls)
	}
	if err := m.Set(res); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if v2 {
		if res.Memory != nil {
			if got := readFile(t, paths[""], "memory.max"); got != "67108864" {
				t.Errorf("memory.max = %s", got)
			}
		}
		if res.Pids != nil {
			if got := readFile(t, paths[""], "pids.max"); got != "50" {
				t.Errorf("pids.max = %s", got)
			}
		}
		if res.CPU != nil {
			if got := readFile(t, paths[""], "cpu.max"); got != "50000 100000" {
				t.Errorf("cpu.max = %s", got)
			}
			if got := readFile(t, paths[""], "cpuset.cpus"); got != "0" {
				t.Errorf("cpuset.cpus = %s", got)
			}
		}
	} else {
		if got := readFile(t, paths["memory"], "memory.limit_in_bytes"); got != "67108864" {
			t.Errorf("memory.limit_in_bytes = %s", got)
		}
		if got := readFile(t, paths["pids"], "pids.max"); got != "50" {
			t.Errorf("pids.max = %s", got)
		}
		if got := readFile(t, paths["cpu"], "cpu.shares"); got != "512" {
			t.Errorf("cpu.shares = %s", got)
		}
		if got := readFile(t, paths["cpu"], "cpu.cfs_quota_us"); got != "50000" {
			t.Errorf("cpu.cfs_quota_us = %s", got)
		}
		if got := readFile(t, paths["cpuset"], "cpuset.cpus"); got != "0" {
			t.Errorf("cpuset.cpus = %s", got)
		}
	}

	// Statistics see the process.
	st, err := m.Stats()
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if !v2 || strings.Contains(ctrls, " pids ") {
		if st.PidsStats.Current < 1 {
			t.Errorf("pids current = %d", st.PidsStats.Current)
		}
	}
	if !v2 || strings.Contains(ctrls, " memory ") {
		// Pages are charged as the process touches them after it joined
		// the cgroup (v1 does not move earlier charges): poll a while.
		for end := time.Now().Add(3 * time.Second); st.MemoryStats.Usage.Usage == 0 && time.Now().Before(end); {
			time.Sleep(20 * time.Millisecond)
			if st, err = m.Stats(); err != nil {
				t.Fatalf("Stats: %v", err)
			}
		}
		if st.MemoryStats.Usage.Usage == 0 || st.MemoryStats.Usage.Limit != uint64(limit) {
			t.Errorf("memory usage %d limit %d", st.MemoryStats.Usage.Usage, st.MemoryStats.Usage.Limit)
		}
	}

	// Freeze: the loop stops writing; a manager loaded from the saved
	// paths sees the same state; Thaw: it writes again.
	if err := m.Freeze(); err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	loaded, err := Load(paths)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if st, err := loaded.State(); err != nil || st != Frozen {
		t.Fatalf("State after Freeze = %q, %v", st, err)
	}
	before := size(t, ticks)
	time.Sleep(300 * time.Millisecond)
	if after := size(t, ticks); after != before {
		t.Errorf("frozen process kept writing: %d -> %d bytes", before, after)
	}
	if err := loaded.Thaw(); err != nil {
		t.Fatalf("Thaw: %v", err)
	}
	if st, err := m.State(); err != nil || st != Thawed {
		t.Fatalf("State after Thaw = %q, %v", st, err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for size(t, ticks) == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if size(t, ticks) == before {
		t.Errorf("thawed process does not run")
	}

	// Kill everything, then Destroy leaves no directory behind.
	if err := loaded.Kill(unix.SIGKILL); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("child after Kill(SIGKILL): %v", err)
	}
	// Processes the test did not fork (the shell's children) are signalled
	// too but leave the cgroup asynchronously: poll against a deadline.
	var left []int
	var perr error
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		left, perr = loaded.Pids()
		if perr != nil || len(left) == 0 || time.Now().After(end) {
			break
		}
	}
	if perr != nil || len(left) != 0 {
		t.Errorf("Pids after kill = %v, %v", left, perr)
	}
	if err := loaded.Destroy(); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	for k, p := range paths {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%q cgroup %s still exists after Destroy", k, p)
		}
	}
}

func TestManagerBlkioWeight(t *testing.T) {
	testutil.RequireRoot(t)
	m := newApplied(t, -1)
	paths := m.Paths()
	dir, files := paths["blkio"], []string{"blkio.weight", "blkio.bfq.weight"}
	if _, v2 := paths[""]; v2 && len(paths) == 1 {
		dir, files = paths[""], []string{"io.weight", "io.bfq.weight"}
	}
	err := m.Set(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: u16(300)}})
	for _, f := range files {
		if _, statErr := os.Stat(filepath.Join(dir, f)); statErr == nil {
			// The host has the file: the weight must land in it.
			if err != nil {
				t.Fatalf("Set(blockIO.weight) with %s present: %v", f, err)
			}
			if got := readFile(t, dir, f); !strings.Contains(got, "300") && f != "io.weight" {
				t.Errorf("%s = %q, want 300", f, got)
			}
			return
		}
	}
	// No weight file (no CFQ/BFQ): a clear error naming field and file.
	if err == nil || !strings.Contains(err.Error(), "linux.resources.blockIO.weight") || !strings.Contains(err.Error(), files[0]) {
		t.Fatalf("Set(blockIO.weight) = %v; want an error naming the field and %s", err, files[0])
	}
}

func TestManagerDevices(t *testing.T) {
	testutil.RequireRoot(t)
	m := newApplied(t, -1)
	err := m.Set(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: i64(10), Minor: i64(200), Access: "rwm"},
	}})
	if err != nil {
		t.Fatalf("Set(devices): %v", err)
	}
	// Observable on v1 (devices.allow/deny) and v2 (eBPF program) alike: a
	// process in the cgroup opens /dev/null but not /dev/kmsg (1:11).
	paths := m.Paths()
	procs := filepath.Join(paths["devices"], "cgroup.procs")
	if _, v2 := paths[""]; v2 && len(paths) == 1 {
		procs = filepath.Join(paths[""], "cgroup.procs")
	}
	out, err := exec.Command(testutil.BusyboxPath, "sh", "-c",
		`echo $$ > "$0"; (: </dev/null) 2>/dev/null && echo null-ok; (: </dev/kmsg) 2>/dev/null && echo kmsg-opened || echo kmsg-denied`, procs).CombinedOutput()
	if err != nil {
		t.Fatalf("probe: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "null-ok") || !strings.Contains(string(out), "kmsg-denied") {
		t.Errorf("device rules not enforced: %s", out)
	}
	if _, v2 := paths[""]; v2 && len(paths) == 1 {
		return
	}
	list := readFile(t, paths["devices"], "devices.list")
	for _, want := range []string{"c 1:3 rwm", "c 10:200 rwm", "c 136:* rwm"} {
		if !strings.Contains(list, want) {
			t.Errorf("devices.list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "a *:* rwm") {
		t.Errorf("devices.list still allows everything:\n%s", list)
	}
}

func TestManagerOOMKill(t *testing.T) {
	testutil.RequireRoot(t)
	m, err := New(testCgroup(t), "unused")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(-1); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Destroy() })
	limit := int64(16 << 20)
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &limit}}); err != nil {
		t.Fatalf("Set: %v", err)
	}
	// A shell that joins the cgroup, then grows a 64 MiB string.
	procs := filepath.Join(m.Paths()["memory"], "cgroup.procs")
	if p := m.Paths()[""]; len(m.Paths()) == 1 {
		procs = filepath.Join(p, "cgroup.procs")
	}
	cmd := exec.Command(testutil.BusyboxPath, "sh", "-c",
		`echo $$ > "$0" && x=$(head -c 67108864 /dev/zero | tr '\0' a) && echo survived`, procs)
	out, err := cmd.CombinedOutput()
	if err == nil || strings.Contains(string(out), "survived") {
		t.Fatalf("process over the memory limit survived: %v %s", err, out)
	}
	n, err := m.OOMKillCount()
	if err != nil || n == 0 {
		t.Fatalf("OOMKillCount = %d, %v; want ≥ 1", n, err)
	}
}

func TestNewDefaultPath(t *testing.T) {
	testutil.RequireRoot(t)
	m, err := New("", "bt-rl-default")
	if err != nil {
		t.Fatal(err)
	}
	for k, p := range m.Paths() {
		if !strings.HasSuffix(p, "/berth/bt-rl-default") || !strings.HasPrefix(p, "/sys/fs/cgroup/") {
			t.Errorf("%q: %s", k, p)
		}
		if _, err := os.Stat(p); err == nil {
			t.Errorf("New created %s before Apply", p)
		}
	}
}
