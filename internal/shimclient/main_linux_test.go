package shimclient_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var berthBinary string

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(liveRestoreChild(dir))
	}
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if os.Getenv(testutil.RootEnv) != "" {
		var err error
		if berthBinary, err = testutil.Berth(); err != nil {
			panic(err)
		}
		defer testutil.RemoveBuiltBerth()
	}
	return m.Run()
}

// fixture is one container's bundle, state dir and runc root.
type fixture struct {
	id       string
	bundle   string
	stateDir string
	runcRoot string
	logPath  string
}

// newFixture makes a busybox bundle whose config.json comes from `runc spec`,
// adapted to run args without a terminal (or with one).
func newFixture(t *testing.T, terminal bool, args ...string) *fixture {
	t.Helper()
	testutil.RequireRoot(t)
	if _, err := exec.LookPath("runc"); err != nil {
		t.Fatalf("runc is required: %v", err)
	}
	short, err := os.MkdirTemp("/tmp", "bt-sh-")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		id:       "bt-sh-" + filepath.Base(short)[6:] + "-" + fmt.Sprint(time.Now().UnixNano()%100000),
		bundle:   t.TempDir(),
		stateDir: filepath.Join(short, "s"),
		runcRoot: filepath.Join(short, "runc"),
	}
	f.logPath = filepath.Join(f.bundle, "c.log")
	t.Cleanup(func() {
		rt := runtimeArgv(f.runcRoot)
		_ = exec.Command(rt[0], append(rt[1:], "delete", "--force", f.id)...).Run()
		if b, err := os.ReadFile(filepath.Join(f.stateDir, "config.json")); err == nil && len(b) > 0 {
			// The shim is still around: ask it to go.
			if sh, err := shimclient.Connect(context.Background(), f.stateDir); err == nil {
				_ = sh.DeleteForce(context.Background())
			}
		}
		os.RemoveAll(short)
	})
	testutil.RuncBundle(t, f.bundle, func(spec *specs.Spec) {
		spec.Process.Terminal = terminal
		spec.Process.Args = args
		// As in the specs Docker generates: no ambient capabilities (`runc
		// spec` lists ambient ones that are not inheritable; runc ignores
		// that, other runtimes rightly refuse it).
		if spec.Process.Capabilities != nil {
			spec.Process.Capabilities.Ambient = nil
		}
	})
	return f
}

// runtimeEnv names another runc-compatible runtime for these tests (an argv
// prefix, e.g. "/usr/local/bin/berth runtime"); the default is Debian's runc.
const runtimeEnv = "BERTH_SHIM_TEST_RUNTIME"

func runtimeArgv(root string) []string {
	argv := []string{"runc"}
	if v := strings.Fields(os.Getenv(runtimeEnv)); len(v) > 0 {
		argv = v
	}
	return append(argv, "--root", root)
}

func (f *fixture) config() shimclient.Config {
	return shimclient.Config{
		ID:       f.id,
		Bundle:   f.bundle,
		StateDir: f.stateDir,
		Runtime:  runtimeArgv(f.runcRoot),
		LogPath:  f.logPath,
		Binary:   berthBinary,
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// deleteAndCheck deletes the container and checks that its state dir is
// gone and that the monitor, which goes on running, lets go of it: no
// descriptor of the monitor refers to the state dir any more.
func deleteAndCheck(t *testing.T, ctx context.Context, sh *shimclient.Shim) {
	t.Helper()
	st, err := sh.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Delete(ctx); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := os.Stat(sh.StateDir); err == nil {
		t.Fatal("state dir still exists after Delete")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var held []string
		for _, l := range fdLinks(t, st.ShimPid) {
			if strings.HasPrefix(l, sh.StateDir) {
				held = append(held, l)
			}
		}
		if len(held) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("monitor %d still holds %v after Delete", st.ShimPid, held)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// createdShim has the monitor create the container of cfg, or fails the
// test.
func createdShim(t *testing.T, ctx context.Context, cfg shimclient.Config) *shimclient.Shim {
	t.Helper()
	sh, err := startShim(t, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

// startedShim starts a shim for cfg and starts its container; a failure
// fails t.
func startedShim(t *testing.T, ctx context.Context, cfg shimclient.Config) *shimclient.Shim {
	t.Helper()
	sh := createdShim(t, ctx, cfg)
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return sh
}

// runningFixture makes the fixture of args without a terminal and starts
// its shim.
func runningFixture(t *testing.T, args ...string) (*fixture, context.Context, *shimclient.Shim) {
	t.Helper()
	f := newFixture(t, false, args...)
	ctx := testCtx(t)
	return f, ctx, startedShim(t, ctx, f.config())
}

// startShim is shimclient.Start that makes sure the shim goes away with the
// test, also when the test fails half-way.
func startShim(t *testing.T, ctx context.Context, cfg shimclient.Config) (*shimclient.Shim, error) {
	t.Helper()
	sh, err := shimclient.Start(ctx, cfg)
	if err == nil {
		t.Cleanup(func() {
			if _, err := os.Stat(cfg.StateDir); err != nil {
				return // deleted by the test
			}
			if st, err := sh.State(context.Background()); err == nil && st.ShimPid > 0 {
				if err := sh.DeleteForce(context.Background()); err != nil {
					_ = syscall.Kill(st.ShimPid, syscall.SIGKILL)
				}
			}
		})
	}
	return sh, err
}
