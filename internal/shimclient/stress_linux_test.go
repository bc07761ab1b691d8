package shimclient_test

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"

	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/shimclient"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Many execs (pipes and ttys) leave no descriptors behind in the shim.
func TestExecsDoNotLeak(t *testing.T) {
	_, ctx, sh := runningFixture(t, "sleep", "100")
	st, _ := sh.State(ctx)
	before := len(fdLinks(t, st.ShimPid))
	for i := 0; i < 20; i++ {
		p, err := sh.Exec(ctx, shimclient.ExecConfig{ExecID: fmt.Sprint("e", i), OpenStdin: i%3 == 0, Process: specs.Process{Terminal: i%2 == 0, Args: []string{"echo", "x"}, Cwd: "/", Env: []string{"PATH=/bin"}}})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := p.Attach(ctx, shimclient.Streams{Stdout: &out}); err != nil {
			t.Fatal(err)
		}
		if e, err := p.Wait(ctx); err != nil || e.Code != 0 || !bytes.Contains(out.Bytes(), []byte("x")) {
			t.Fatalf("exec %d: %+v %v %q", i, e, err, out.String())
		}
	}
	sh.Close()
	after := fdLinks(t, st.ShimPid)
	if len(after) > before+2 {
		t.Fatalf("shim fds grew from %d to %d: %v", before, len(after), after)
	}
	sh.Kill(ctx, syscall.SIGKILL)
	sh.Wait(ctx)
	deleteAndCheck(t, ctx, sh)
}

// Shims started concurrently from one process stay independent.
func TestConcurrentShims(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo $$; exit 4")
	ctx := testCtx(t)
	const n = 6
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			errs <- func() error {
				cfg := f.config()
				cfg.ID = fmt.Sprintf("%s-c%d", f.id, i)
				cfg.StateDir = fmt.Sprintf("%s-c%d", f.stateDir, i)
				cfg.LogPath = fmt.Sprintf("%s.c%d", f.logPath, i)
				sh, err := startShim(t, ctx, cfg)
				if err != nil {
					return err
				}
				if err := sh.Start(ctx); err != nil {
					return err
				}
				e, err := sh.Wait(ctx)
				if err != nil {
					return err
				}
				if e.Code != 4 {
					return fmt.Errorf("shim %d: exit %+v", i, e)
				}
				var lines []string
				if err := logger.Read(ctx, cfg.LogPath, logger.ReadConfig{Tail: -1}, func(m logger.Message) error {
					lines = append(lines, string(m.Line))
					return nil
				}); err != nil {
					return err
				}
				if len(lines) != 1 || lines[0] != "1\n" {
					return fmt.Errorf("shim %d: log %q", i, lines)
				}
				return sh.Delete(ctx)
			}()
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
