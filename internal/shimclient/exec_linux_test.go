package shimclient_test

import (
	"bytes"
	"strings"
	"syscall"
	"testing"

	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestKill(t *testing.T) {
	_, ctx, sh := runningFixture(t, "sleep", "100")
	if err := sh.Pause(ctx); err != nil {
		t.Fatalf("pause: %v", err)
	}
	if st, _ := sh.State(ctx); st.Status != shimclient.StatusPaused {
		t.Fatalf("status after pause %q", st.Status)
	}
	if err := sh.Resume(ctx); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if err := sh.Kill(ctx, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e, err := sh.Wait(ctx)
	if err != nil || e.Code != 137 || e.Signal != syscall.SIGKILL {
		t.Fatalf("exit = %+v, %v; want 137 by SIGKILL", e, err)
	}
	if err := sh.Kill(ctx, syscall.SIGTERM); err == nil {
		t.Fatal("kill of an exited container succeeded")
	}
	deleteAndCheck(t, ctx, sh)
}

func TestExec(t *testing.T) {
	f, ctx, sh := runningFixture(t, "sleep", "100")
	proc := specs.Process{Args: []string{"sh", "-c", "echo hi; echo oops >&2; exit 5"}, Cwd: "/", Env: []string{"PATH=/bin"}}
	p, err := sh.Exec(ctx, shimclient.ExecConfig{ExecID: "e1", Process: proc})
	if err != nil {
		t.Fatal(err)
	}
	if p.Pid() <= 0 {
		t.Fatalf("exec pid %d", p.Pid())
	}
	// The exec may be over already: its output waits for the first attach.
	var out, errOut bytes.Buffer
	if err := p.Attach(ctx, shimclient.Streams{Stdout: &out, Stderr: &errOut}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hi\n" || errOut.String() != "oops\n" {
		t.Fatalf("exec output %q / %q", out.String(), errOut.String())
	}
	if e, err := p.Wait(ctx); err != nil || e.Code != 5 {
		t.Fatalf("exec exit = %+v, %v", e, err)
	}
	// exec with stdin
	p2, err := sh.Exec(ctx, shimclient.ExecConfig{ExecID: "e2", OpenStdin: true, Process: specs.Process{Args: []string{"cat"}, Cwd: "/", Env: []string{"PATH=/bin"}}})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := p2.Attach(ctx, shimclient.Streams{Stdin: strings.NewReader("ping\n"), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "ping\n" {
		t.Fatalf("exec cat output %q", out.String())
	}
	_, err = sh.Exec(ctx, shimclient.ExecConfig{ExecID: "e3", Process: specs.Process{Args: []string{"bt-sh-nosuchcmd"}, Cwd: "/", Env: []string{"PATH=/bin"}}})
	if err == nil || !strings.Contains(err.Error(), `"bt-sh-nosuchcmd": executable file not found in $PATH`) {
		t.Fatalf("exec of a missing command: %v", err)
	}
	if msgs := readLog(t, f.logPath); len(msgs) != 0 {
		t.Fatalf("exec output reached the container log: %q", msgs)
	}
	if err := sh.Kill(ctx, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := sh.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	deleteAndCheck(t, ctx, sh)
}

func TestExecTerminal(t *testing.T) {
	_, ctx, sh := runningFixture(t, "sleep", "100")
	p, err := sh.Exec(ctx, shimclient.ExecConfig{ExecID: "t1", OpenStdin: true, Process: specs.Process{Terminal: true, Args: []string{"sh", "-c", "read x; stty size"}, Cwd: "/", Env: []string{"PATH=/bin"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Resize(ctx, 12, 34); err != nil {
		t.Fatal(err)
	}
	var out testutil.SyncBuffer
	if err := p.Attach(ctx, shimclient.Streams{Stdin: strings.NewReader("x\n"), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "12 34") {
		t.Fatalf("exec tty output %q", out.String())
	}
	sh.Kill(ctx, syscall.SIGKILL)
	sh.Wait(ctx)
	deleteAndCheck(t, ctx, sh)
}
