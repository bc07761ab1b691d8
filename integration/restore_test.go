package integration

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/snapshot"
)

// TestLiveRestore kills the daemon with SIGKILL while containers run: after
// a restart the running one is still running and logged, and ps, logs -f,
// exec and stop work on it; the one that exited meanwhile shows its real
// exit code.
func TestLiveRestore(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-tick", "busybox", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"); code != 0 {
		t.Fatalf("run tick: %d %q", code, out)
	}
	if out, code := d.docker("", "run", "-d", "--name", "bt-en-exit", "busybox", "sh", "-c", "sleep 1; exit 42"); code != 0 {
		t.Fatalf("run exit: %d %q", code, out)
	}
	d.kill9()
	time.Sleep(2 * time.Second) // bt-en-exit exits while no daemon runs
	d.start(nil)

	out, _ := d.docker("", "ps", "--format", "{{.Names}} {{.Status}}")
	if !strings.Contains(out, "bt-en-tick Up") || strings.Contains(out, "bt-en-exit") {
		t.Fatalf("ps after restart: %q", out)
	}
	out, _ = d.docker("", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "bt-en-exit")
	if out != "exited 42\n" {
		t.Fatalf("exit code collected after restart: %q", out)
	}
	// The log grows on: logs written by the shim while the daemon was gone
	// and after it came back.
	before, _ := d.docker("", "logs", "bt-en-tick")
	waitFor(t, 5*time.Second, "log growth", func() bool {
		after, _ := d.docker("", "logs", "bt-en-tick")
		return strings.Count(after, "\n") > strings.Count(before, "\n")+3
	})
	out, code := d.docker("", "exec", "bt-en-tick", "echo", "exec-after-restore")
	if code != 0 || out != "exec-after-restore\n" {
		t.Fatalf("exec after restore: %d %q", code, out)
	}
	// logs -f follows until the container stops.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	followDone := make(chan string, 1)
	go func() {
		o, _ := d.docker("", "logs", "-f", "--tail", "1", "bt-en-tick")
		followDone <- o
	}()
	time.Sleep(500 * time.Millisecond)
	if out, code := d.docker("", "stop", "-t", "1", "bt-en-tick"); code != 0 {
		t.Fatalf("stop after restore: %d %q", code, out)
	}
	select {
	case o := <-followDone:
		if !strings.Contains(o, "tick") {
			t.Fatalf("logs -f output: %q", o)
		}
	case <-ctx.Done():
		t.Fatal("logs -f did not end when the container stopped")
	}
	out, _ = d.docker("", "inspect", "-f", "{{.State.Status}}", "bt-en-tick")
	if out != "exited\n" {
		t.Fatalf("state after stop: %q", out)
	}
}

// activeSnapshots lists container snapshots (64-hex keys) in the data root;
// the daemon must be stopped (the snapshotter's database is locked).
func activeSnapshots(t *testing.T, root string) []string {
	t.Helper()
	sn, _, err := snapshot.New(filepath.Join(root, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Close()
	var keys []string
	_ = sn.Walk(context.Background(), func(i snapshot.Info) error {
		if i.Kind == snapshot.KindActive && len(i.Key) == 64 {
			keys = append(keys, i.Key)
		}
		return nil
	})
	return keys
}

func dirEntries(p string) []string {
	var names []string
	entries, _ := os.ReadDir(p)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestCrashDuringCreateAndRemove SIGKILLs the daemon at named points of
// create and rm (BERTH_TEST_CRASH_AT); after a restart nothing half-made is
// left: no record, no snapshot, no dirs, and the name is free again.
func TestCrashDuringCreateAndRemove(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	check := func(point string) {
		t.Helper()
		d.start(nil)
		out, _ := d.docker("", "ps", "-a", "--format", "{{.Names}}")
		if strings.Contains(out, "bt-en-crash") {
			t.Fatalf("%s: half-made container listed: %q", point, out)
		}
		if n := dirEntries(filepath.Join(d.root, "containers")); len(n) != 0 {
			t.Fatalf("%s: container dirs left: %v", point, n)
		}
		if n := dirEntries(filepath.Join(d.execRoot, "b")); len(n) != 0 {
			t.Fatalf("%s: bundles left: %v", point, n)
		}
		d.stop()
		if keys := activeSnapshots(t, d.root); len(keys) != 0 {
			t.Fatalf("%s: container snapshots left: %v", point, keys)
		}
		d.start(nil)
		if out, code := d.docker("", "create", "--name", "bt-en-crash", "busybox", "true"); code != 0 {
			t.Fatalf("%s: name not reusable: %d %q", point, code, out)
		}
		if out, code := d.docker("", "rm", "bt-en-crash"); code != 0 {
			t.Fatalf("%s: rm: %d %q", point, code, out)
		}
	}
	for _, point := range []string{"create-after-record", "create-after-snapshot"} {
		d.stop()
		d.startExpectCrash(point)
		_, code := d.docker("", "create", "--name", "bt-en-crash", "busybox", "true")
		if code == 0 {
			t.Fatalf("%s: create succeeded despite the crash point", point)
		}
		d.waitExit(10 * time.Second)
		check(point)
	}
	for _, point := range []string{"rm-after-mark", "rm-after-snapshot"} {
		if out, code := d.docker("", "create", "--name", "bt-en-crash", "busybox", "true"); code != 0 {
			t.Fatalf("%s: create: %d %q", point, code, out)
		}
		d.stop()
		d.startExpectCrash(point)
		_, code := d.docker("", "rm", "bt-en-crash")
		if code == 0 {
			t.Fatalf("%s: rm succeeded despite the crash point", point)
		}
		d.waitExit(10 * time.Second)
		check(point)
	}
}

// TestCrashDuringStart SIGKILLs the daemon after the shim created the
// container (not started) and after it started it (not recorded): after a
// restart the first is cleaned up and can start again, the second is
// adopted as running.
func TestCrashDuringStart(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	if out, code := d.docker("", "create", "--name", "bt-en-s1", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("create: %d %q", code, out)
	}
	if out, code := d.docker("", "create", "--name", "bt-en-s2", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("create: %d %q", code, out)
	}
	d.stop()
	d.startExpectCrash("start-after-shim")
	if _, code := d.docker("", "start", "bt-en-s1"); code == 0 {
		t.Fatal("start succeeded despite the crash point")
	}
	d.waitExit(10 * time.Second)
	d.startExpectCrash("start-after-start")
	if _, code := d.docker("", "start", "bt-en-s2"); code == 0 {
		t.Fatal("start succeeded despite the crash point")
	}
	d.waitExit(10 * time.Second)
	d.start(nil)
	out, _ := d.docker("", "ps", "-a", "--format", "{{.Names}} {{.State}}")
	if !strings.Contains(out, "bt-en-s1 created") || !strings.Contains(out, "bt-en-s2 running") {
		t.Fatalf("after restart: %q", out)
	}
	if out, code := d.docker("", "start", "bt-en-s1"); code != 0 {
		t.Fatalf("start after cleanup: %d %q", code, out)
	}
	if out, code := d.docker("", "exec", "bt-en-s2", "true"); code != 0 {
		t.Fatalf("exec in adopted container: %d %q", code, out)
	}
}

// TestShimLoss kills the monitor that serves every container of the
// daemon: the daemon records each of them as exited, they do not outlive
// it, the runtime forgets them, and they can start again under a new
// monitor.
func TestShimLoss(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	names := []string{"bt-en-shim1", "bt-en-shim2"}
	var pids []string
	monitor := 0
	for _, name := range names {
		if out, code := d.docker("", "run", "-d", "--name", name, "busybox", "sleep", "100"); code != 0 {
			t.Fatalf("run: %d %q", code, out)
		}
		out, _ := d.docker("", "inspect", "-f", "{{.State.Pid}}", name)
		pid := strings.TrimSpace(out)
		ppid := parentPid(t, pid)
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(ppid) + "/cmdline")
		if !strings.Contains(string(comm), "shim\x00monitor") {
			t.Fatalf("parent of the container init is not the monitor: %q", comm)
		}
		if monitor != 0 && ppid != monitor {
			t.Fatalf("%s is monitored by %d, the first container by %d", name, ppid, monitor)
		}
		monitor = ppid
		pids = append(pids, pid)
	}
	if err := syscall.Kill(monitor, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		waitFor(t, 15*time.Second, name+" exited after monitor loss", func() bool {
			out, _ := d.docker("", "inspect", "-f", "{{.State.Status}}", name)
			return out == "exited\n"
		})
		if _, err := os.Stat("/proc/" + pids[i]); err == nil {
			st, _ := os.ReadFile("/proc/" + pids[i] + "/status")
			if !strings.Contains(string(st), "State:\tZ") {
				t.Fatalf("container init %s outlived its monitor", pids[i])
			}
		}
	}
	for _, name := range names {
		if out, code := d.docker("", "start", name); code != 0 {
			t.Fatalf("start after monitor loss: %d %q", code, out)
		}
	}
	out, _ := d.docker("", "inspect", "-f", "{{.State.Pid}}", names[0])
	if ppid := parentPid(t, strings.TrimSpace(out)); ppid == monitor {
		t.Fatalf("restarted container under the killed monitor %d", monitor)
	}
}

// parentPid returns the parent of the process pid.
func parentPid(t *testing.T, pid string) int {
	t.Helper()
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`PPid:\s*(\d+)`).FindSubmatch(status)
	if m == nil {
		t.Fatalf("no parent of %s", pid)
	}
	ppid, _ := strconv.Atoi(string(m[1]))
	return ppid
}

// TestCrashDuringAutoRemove kills the daemon after an auto-removed
// container's record and snapshot are gone but before its shim and runtime
// state are deleted (that delete runs alongside the removal): the restarted
// daemon deletes the shim dir of no container and the runtime's state.
func TestCrashDuringAutoRemove(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.stop()
	d.startExpectCrash("autoremove-after-remove")
	if _, code := d.docker("", "run", "--rm", "--name", "bt-en-ar", "busybox", "true"); code == 0 {
		t.Log("run --rm returned 0: the wait answered before the crash")
	}
	d.waitExit(10 * time.Second)
	shims, _ := os.ReadDir(filepath.Join(d.execRoot, "s"))
	if len(shims) != 1 {
		t.Fatalf("before restart: %d shim dirs, want the one of the removed container", len(shims))
	}
	d.start(nil)
	if out, _ := d.docker("", "ps", "-a", "-q"); strings.TrimSpace(out) != "" {
		t.Fatalf("containers after restart: %q", out)
	}
	if shims, _ := os.ReadDir(filepath.Join(d.execRoot, "s")); len(shims) != 0 {
		t.Fatalf("shim dirs left after restart: %v", shims)
	}
	if st, _ := os.ReadDir(filepath.Join(d.execRoot, "runtime")); len(st) != 0 {
		t.Fatalf("runtime state left after restart: %v", st)
	}
	if out, code := d.docker("", "run", "--rm", "--name", "bt-en-ar", "busybox", "true"); code != 0 {
		t.Fatalf("run again with the same name: %d %q", code, out)
	}
}
