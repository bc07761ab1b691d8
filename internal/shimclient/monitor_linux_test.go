package shimclient_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// procsRunning lists the pids of the processes whose argv is args.
func procsRunning(args ...string) []int {
	want := strings.Join(args, "\x00") + "\x00"
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && string(b) == want {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parentOf returns the parent pid of pid.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b), ") Z ")
}

// sharedFixture is a fixture whose state dir is under dir, so that the
// fixtures of one test share the monitor of dir.
func sharedFixture(t *testing.T, dir string, terminal bool, args ...string) *fixture {
	t.Helper()
	f := newFixture(t, terminal, args...)
	f.stateDir = filepath.Join(dir, f.id[len(f.id)-12:])
	return f
}

// monitorDir returns a short monitor dir removed with the test.
func monitorDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "bt-mon-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestMonitorServesMany: containers of one monitor dir are all served by
// one monitor process, the parent of their inits; a runtime error still
// comes back with the runtime's text; each container's protocol, log and
// exit are its own.
func TestMonitorServesMany(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := testCtx(t)
	dir := monitorDir(t)
	var shims []*shimclient.Shim
	monitor := 0
	for i := 0; i < 3; i++ {
		f := sharedFixture(t, dir, false, "sh", "-c", fmt.Sprintf("echo c%d; read x; exit %d", i, i+3))
		cfg := f.config()
		cfg.OpenStdin = true
		sh := startedShim(t, ctx, cfg)
		st, err := sh.State(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if monitor == 0 {
			monitor = st.ShimPid
		}
		if st.ShimPid != monitor {
			t.Fatalf("container %d served by %d, the first by %d", i, st.ShimPid, monitor)
		}
		if p := parentOf(t, sh.Pid()); p != monitor {
			t.Fatalf("parent of container %d's init is %d, not the monitor %d", i, p, monitor)
		}
		shims = append(shims, sh)
	}
	if s, err := shimclient.Stats(ctx, dir); err != nil || s.Containers != 3 || s.Pid != monitor {
		t.Fatalf("monitor stats %+v, %v; want 3 containers of %d", s, err, monitor)
	}
	f := sharedFixture(t, dir, false, "bt-sh-nosuchcmd")
	if _, err := startShim(t, ctx, f.config()); err == nil || !strings.Contains(err.Error(), `exec: "bt-sh-nosuchcmd": executable file not found in $PATH`) {
		t.Fatalf("error through the monitor = %v, want the runtime's message", err)
	}
	for i, sh := range shims {
		if err := sh.Attach(ctx, shimclient.Streams{Stdin: strings.NewReader("x\n"), Stdout: new(strings.Builder)}); err != nil {
			t.Fatal(err)
		}
		e, err := sh.Wait(ctx)
		if err != nil || e.Code != i+3 {
			t.Fatalf("container %d: exit %+v, %v; want code %d", i, e, err, i+3)
		}
		deleteAndCheck(t, ctx, sh)
	}
	// A deleted container leaves the monitor once the Delete's answer is
	// out (server.exit), so the count reaches 0 shortly after.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, err := shimclient.Stats(ctx, dir)
		if err == nil && s.Containers == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitor stats after the deletes %+v, %v", s, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !alive(monitor) {
		t.Fatal("the monitor exited with its last container")
	}
}

// TestMonitorSoak: many start/wait/delete cycles leave the monitor's
// descriptors and goroutines where they were: nothing of a deleted
// container stays behind.
func TestMonitorSoak(t *testing.T) {
	testutil.RequireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := monitorDir(t)
	plain := newFixture(t, false, "sh", "-c", "echo out; echo err >&2; exec sleep 10")
	tty := newFixture(t, true, "sh", "-c", "echo out; exec sleep 10")
	cycle := func(i int) {
		f := plain
		if i%4 == 3 {
			f = tty
		}
		cfg := f.config()
		cfg.ID = fmt.Sprintf("%s-%d", f.id, i)
		cfg.StateDir = filepath.Join(dir, strconv.Itoa(i))
		cfg.Terminal = f == tty
		cfg.OpenStdin = i%2 == 1
		sh := startedShim(t, ctx, cfg)
		if i%5 == 0 {
			p, err := sh.Exec(ctx, shimclient.ExecConfig{ExecID: "e", Process: specs.Process{Args: []string{"true"}, Cwd: "/", Env: []string{"PATH=/bin"}}})
			if err != nil {
				t.Fatalf("cycle %d: exec: %v", i, err)
			}
			if e, err := p.Wait(ctx); err != nil || e.Code != 0 {
				t.Fatalf("cycle %d: exec exit %+v, %v", i, e, err)
			}
		}
		if err := sh.Kill(ctx, syscall.SIGKILL); err != nil {
			t.Fatalf("cycle %d: kill: %v", i, err)
		}
		if e, err := sh.Wait(ctx); err != nil || e.Code != 137 {
			t.Fatalf("cycle %d: exit %+v, %v", i, e, err)
		}
		if err := sh.Delete(ctx); err != nil {
			t.Fatalf("cycle %d: delete: %v", i, err)
		}
	}
	cycle(0) // the monitor runs, with its warm runtime
	base, err := shimclient.Stats(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	baseFds := len(fdLinks(t, base.Pid))
	for i := 1; i <= 200; i++ {
		cycle(i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := shimclient.Stats(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		fds := len(fdLinks(t, s.Pid))
		if s.Pid != base.Pid {
			t.Fatalf("monitor changed from %d to %d", base.Pid, s.Pid)
		}
		if s.Containers == 0 && fds <= baseFds && s.Goroutines <= base.Goroutines {
			t.Logf("after 200 cycles: %d fds (baseline %d), %d goroutines (baseline %d)", fds, baseFds, s.Goroutines, base.Goroutines)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 200 cycles: %d containers, %d fds (baseline %d: %v), %d goroutines (baseline %d)", s.Containers, fds, baseFds, fdLinks(t, s.Pid), s.Goroutines, base.Goroutines)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestOrphanContainerForgotten: a container that has exited and whose
// state dir was removed (no daemon can reach it any more) is deleted from
// the runtime and forgotten by the monitor; one that still runs stays
// supervised. The monitor exits once its own dir is gone and it monitors
// nothing.
func TestOrphanContainerForgotten(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := testCtx(t)
	dir := monitorDir(t)
	exited := sharedFixture(t, dir, false, "true")
	startedShim(t, ctx, exited.config())
	running := sharedFixture(t, dir, false, "sleep", "60")
	sh := startedShim(t, ctx, running.config())
	st, err := sh.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // `true` is done
	for _, f := range []*fixture{exited, running} {
		if err := os.RemoveAll(f.stateDir); err != nil {
			t.Fatal(err)
		}
	}
	argv := runtimeArgv(exited.runcRoot)
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, err := shimclient.Stats(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		if s.Containers == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the monitor still serves %d containers; want only the running one", s.Containers)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := exec.Command(argv[0], append(argv[1:], "state", exited.id)...).CombinedOutput(); err == nil {
		t.Fatalf("the runtime still knows the orphan's container: %s", out)
	}
	if !alive(sh.Pid()) {
		t.Fatal("the running container ended when its state dir went away")
	}
	// The running one is still supervised; end it through the runtime, and
	// remove the monitor's dir: the monitor goes.
	argv = runtimeArgv(running.runcRoot)
	_ = exec.Command(argv[0], append(argv[1:], "delete", "--force", running.id)...).Run()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for alive(st.ShimPid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(st.ShimPid) {
		t.Fatal("the monitor did not exit once its dir and its containers were gone")
	}
}

// TestMonitorWarmRuntime: with berth's own runtime, the container's first
// runtime verb runs in the runtime process the monitor started ahead of
// need (its pid is the one that logs the verb), the container runs, the
// monitor starts the next warm runtime, and the container's delete runs in
// that one: no runtime verb starts a program while one is ready.
func TestMonitorWarmRuntime(t *testing.T) {
	testutil.RequireRoot(t)
	ctx := testCtx(t)
	dir := monitorDir(t)
	bin := privateBinary(t)
	if err := shimclient.EnsureMonitor(ctx, bin, dir); err != nil {
		t.Fatal(err)
	}
	s, err := shimclient.Stats(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		rtPid := warmRuntimeOf(t, bin, s.Pid)
		f := sharedFixture(t, dir, false, "sh", "-c", "echo warm; exit 5")
		logPath := filepath.Join(t.TempDir(), "runtime.log")
		cfg := f.config()
		cfg.Binary = bin
		cfg.Runtime = []string{bin, "runtime", "--root", f.runcRoot, "--log", logPath, "--debug"}
		sh := startedShim(t, ctx, cfg)
		e, err := sh.Wait(ctx)
		if err != nil || e.Code != 5 {
			t.Fatalf("exit %+v, %v; want code 5", e, err)
		}
		if msgs := readLog(t, f.logPath); len(msgs) != 1 || string(msgs[0].Line) != "warm\n" {
			t.Fatalf("log %q", msgs)
		}
		log, _ := os.ReadFile(logPath)
		first := strings.SplitN(string(log), "\n", 2)[0]
		if !strings.Contains(first, fmt.Sprintf("pid %d: ", rtPid)) {
			t.Fatalf("the first runtime verb did not run in the warm runtime %d: %s", rtPid, log)
		}
		next := warmRuntimeOf(t, bin, s.Pid)
		deleteAndCheck(t, ctx, sh)
		log, _ = os.ReadFile(logPath)
		if want := fmt.Sprintf("pid %d: delete ", next); !strings.Contains(string(log), want) {
			t.Fatalf("delete did not run in the warm runtime %d: %s", next, log)
		}
	}
}

// warmRuntimeOf returns the pid of the waiting `berth runtime warm` child
// of the monitor.
func warmRuntimeOf(t *testing.T, bin string, monitor int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, pid := range procsRunning(bin, "runtime", "warm") {
			if parentOf(t, pid) == monitor {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("monitor %d has no warm runtime", monitor)
	return 0
}

// privateBinary returns a private copy of the berth binary (which tells
// this test's processes apart from any other's).
func privateBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "berth")
	data, err := os.ReadFile(berthBinary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}
