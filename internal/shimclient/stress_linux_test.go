package shimclient_test

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"

	"github.com/berth/berth/internal/shimclient"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Many execs (pipes and ttys) leave no descriptors behind in the shim.
func TestExecsDoNotLeak(t *testing.T) {
	f := newFixture(t, false, "sleep", "100")
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, f.config())
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
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
