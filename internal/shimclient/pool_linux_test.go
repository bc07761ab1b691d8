package shimclient_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/testutil"
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

// warmShims lists the pids of the `berth shim warm` processes of bin that
// wait for a container.
func warmShims(t *testing.T, bin string) []int {
	t.Helper()
	var pids []int
	for _, pid := range procsRunning(bin, "shim", "warm") {
		// Waiting (not yet serving a container): fd 4 is still the pipe.
		if l, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", "4")); err == nil && strings.HasPrefix(l, "pipe:") {
			pids = append(pids, pid)
		}
	}
	return pids
}

func waitWarm(t *testing.T, bin string, n int) []int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := warmShims(t, bin)
		if len(pids) == n || time.Now().After(deadline) {
			if len(pids) != n {
				t.Fatalf("%d warm shims, want %d", len(pids), n)
			}
			return pids
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPool runs containers through a pool: each is served by the shim that
// waited in the pool (the same pid becomes the container's shim), a runtime
// error still comes back with the runtime's text, a new warm shim replaces
// each one taken, and Close makes the waiting one exit.
func TestPool(t *testing.T) {
	testutil.RequireRoot(t)
	bin, pool := newTestPool(t)
	ctx := testCtx(t)
	for i := 0; i < 2; i++ {
		warm := waitWarm(t, bin, 1)
		f := newFixture(t, false, "sh", "-c", "echo pooled; exit 4")
		cfg := f.config()
		cfg.Binary, cfg.Pool = bin, pool
		sh, err := startShim(t, ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(warm[0]) + "/cwd/" + shimclient.ConfigFile)
		if !strings.Contains(string(cmd), f.id) {
			t.Fatalf("the warm shim %d does not serve %s (its cwd holds %q)", warm[0], f.id, cmd)
		}
		if err := sh.Start(ctx); err != nil {
			t.Fatal(err)
		}
		e, err := sh.Wait(ctx)
		if err != nil || e.Code != 4 {
			t.Fatalf("exit %+v, %v; want code 4", e, err)
		}
		if msgs := readLog(t, f.logPath); len(msgs) != 1 || string(msgs[0].Line) != "pooled\n" {
			t.Fatalf("log %q", msgs)
		}
		deleteAndCheck(t, ctx, sh)
	}
	waitWarm(t, bin, 1)
	f := newFixture(t, false, "bt-sh-nosuchcmd")
	cfg := f.config()
	cfg.Binary, cfg.Pool = bin, pool
	if _, err := startShim(t, ctx, cfg); err == nil || !strings.Contains(err.Error(), `exec: "bt-sh-nosuchcmd": executable file not found in $PATH`) {
		t.Fatalf("error through a warm shim = %v, want the runtime's message", err)
	}
	waitWarm(t, bin, 1)
	pool.Close()
	waitWarm(t, bin, 0)
}

// TestOrphanShimExits: a shim whose container has exited and whose state
// dir was removed (no daemon can reach it any more) deletes the container
// from the runtime and exits; one whose container still runs stays.
func TestOrphanShimExits(t *testing.T) {
	testutil.RequireRoot(t)
	bin, pool := newTestPool(t)
	ctx := testCtx(t)
	start := func(args ...string) (*fixture, int) {
		shimPid := waitWarm(t, bin, 1)[0]
		f := newFixture(t, false, args...)
		cfg := f.config()
		cfg.Binary, cfg.Pool = bin, pool
		startedShim(t, ctx, cfg)
		return f, shimPid
	}
	alive := func(pid int) bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err == nil && !strings.Contains(string(b), ") Z ")
	}
	exited, exitedShim := start("true")
	running, runningShim := start("sleep", "60")
	time.Sleep(500 * time.Millisecond) // `true` is done
	for _, f := range []*fixture{exited, running} {
		if err := os.RemoveAll(f.stateDir); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for alive(exitedShim) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(exitedShim) {
		t.Fatal("the shim of an exited container whose state dir is gone did not exit")
	}
	if !alive(runningShim) {
		t.Fatal("the shim of a running container exited when its state dir went away")
	}
	if out, err := exec.Command(runtimeArgv(exited.runcRoot)[0], append(runtimeArgv(exited.runcRoot)[1:], "state", exited.id)...).CombinedOutput(); err == nil {
		t.Fatalf("the runtime still knows the orphan's container: %s", out)
	}
	// The running one is still supervised; end it through the runtime.
	argv := runtimeArgv(running.runcRoot)
	_ = exec.Command(argv[0], append(argv[1:], "delete", "--force", running.id)...).Run()
	deadline = time.Now().Add(20 * time.Second)
	for alive(runningShim) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(runningShim) {
		t.Fatal("the orphan shim did not exit once its container was gone")
	}
}

// warmRuntimeOf returns the pid of the `berth runtime warm` child of a
// waiting warm shim.
func warmRuntimeOf(t *testing.T, bin string, shimPid int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, pid := range procsRunning(bin, "runtime", "warm") {
			st, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
			f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:]))
			if len(f) > 1 && f[1] == strconv.Itoa(shimPid) {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("warm shim %d has no warm runtime", shimPid)
	return 0
}

// TestPoolWarmRuntime: with berth's own runtime, the container's first
// runtime verb runs in the runtime process the warm shim started ahead of
// need (its pid is the one that logs the verb), and the container runs.
func TestPoolWarmRuntime(t *testing.T) {
	testutil.RequireRoot(t)
	bin, pool := newTestPool(t)
	ctx := testCtx(t)
	shimPid := waitWarm(t, bin, 1)[0]
	rtPid := warmRuntimeOf(t, bin, shimPid)
	f := newFixture(t, false, "sh", "-c", "echo warm; exit 5")
	logPath := filepath.Join(t.TempDir(), "runtime.log")
	cfg := f.config()
	cfg.Binary, cfg.Pool = bin, pool
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
	deleteAndCheck(t, ctx, sh)
}

// newTestPool returns a pool of shims of a private copy of the berth binary
// (which tells this test's warm shims apart from any other's), closed when
// the test ends.
func newTestPool(t *testing.T) (string, *shimclient.Pool) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "berth")
	data, err := os.ReadFile(berthBinary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	pool := shimclient.NewPool(bin)
	t.Cleanup(pool.Close)
	return bin, pool
}
