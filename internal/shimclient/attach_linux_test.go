package shimclient_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/testutil"
)

func TestAttachStdin(t *testing.T) {
	f := newFixture(t, false, "cat")
	cfg := f.config()
	cfg.OpenStdin, cfg.StdinOnce = true, true
	ctx := testCtx(t)
	sh := createdShim(t, ctx, cfg)
	var out, errOut bytes.Buffer
	ready := make(chan struct{})
	attached := make(chan error, 1)
	go func() {
		attached <- sh.Attach(ctx, shimclient.Streams{
			Stdin:  strings.NewReader("hello\nworld\n"),
			Stdout: &out,
			Stderr: &errOut,
			Ready:  func() { close(ready) },
		})
	}()
	<-ready
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-attached; err != nil {
		t.Fatalf("attach: %v", err)
	}
	if out.String() != "hello\nworld\n" {
		t.Fatalf("stdout = %q", out.String())
	}
	e, err := sh.Wait(ctx)
	if err != nil || e.Code != 0 {
		t.Fatalf("cat exit = %+v, %v (stdin-once must close stdin)", e, err)
	}
	if msgs := readLog(t, f.logPath); len(msgs) != 2 || string(msgs[1].Line) != "world\n" {
		t.Fatalf("log = %q", msgs)
	}
	deleteAndCheck(t, ctx, sh)
}

func TestTerminalResize(t *testing.T) {
	f := newFixture(t, true, "sh", "-c", "read x; stty size; exit 4")
	cfg := f.config()
	cfg.Terminal, cfg.OpenStdin = true, true
	ctx := testCtx(t)
	sh := createdShim(t, ctx, cfg)
	pr, pw := io.Pipe()
	var out testutil.SyncBuffer
	ready := make(chan struct{})
	attached := make(chan error, 1)
	go func() {
		attached <- sh.Attach(ctx, shimclient.Streams{Stdin: pr, Stdout: &out, Ready: func() { close(ready) }})
	}()
	<-ready
	if err := sh.Resize(ctx, 31, 97); err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	io.WriteString(pw, "go\n")
	if err := <-attached; err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if !strings.Contains(out.String(), "31 97") {
		t.Fatalf("tty output %q, want the size 31 97", out.String())
	}
	if e, err := sh.Wait(ctx); err != nil || e.Code != 4 {
		t.Fatalf("exit %+v, %v", e, err)
	}
	msgs := readLog(t, f.logPath)
	var all string
	for _, m := range msgs {
		if m.Stream != "stdout" {
			t.Fatalf("tty log line on %s", m.Stream)
		}
		all += string(m.Line)
	}
	if !strings.Contains(all, "31 97\r\n") {
		t.Fatalf("tty log %q", all)
	}
	deleteAndCheck(t, ctx, sh)
}

// A state dir whose socket paths exceed sun_path still works (the shim
// listens on relative names, the client dials through /proc/self/fd).
func TestLongStateDir(t *testing.T) {
	f := newFixture(t, true, "sh", "-c", "echo tty-ok")
	long := filepath.Join(filepath.Dir(f.stateDir), strings.Repeat("d", 60), strings.Repeat("e", 60))
	f.stateDir = long
	cfg := f.config()
	cfg.Terminal = true
	ctx := testCtx(t)
	sh := createdShim(t, ctx, cfg)
	var out testutil.SyncBuffer
	attachThenStart(t, ctx, sh, &out)
	if !strings.Contains(out.String(), "tty-ok") {
		t.Fatalf("output %q", out.String())
	}
	if e, err := sh.Wait(ctx); err != nil || e.Code != 0 {
		t.Fatalf("exit %+v, %v", e, err)
	}
	deleteAndCheck(t, ctx, sh)
}

// Once Ready has been called, the attach gets everything: output written
// right at start is not lost (docker run without -d).
func TestAttachReadyThenStartMissesNothing(t *testing.T) {
	f := newFixture(t, false, "echo", "first-line")
	ctx := testCtx(t)
	for i := 0; i < 5; i++ {
		cfg := f.config()
		cfg.ID = fmt.Sprintf("%s-%d", f.id, i)
		cfg.StateDir = fmt.Sprintf("%s-%d", f.stateDir, i)
		sh := createdShim(t, ctx, cfg)
		var out bytes.Buffer
		attachThenStart(t, ctx, sh, &out)
		if out.String() != "first-line\n" {
			t.Fatalf("run %d: attach got %q", i, out.String())
		}
		sh.Wait(ctx)
		deleteAndCheck(t, ctx, sh)
	}
}

// TestRunOnCreate: a container run at create that ends before Start is
// reported only after Start, and neither its attached client nor its log
// misses output; a missing command fails the shim's start with the
// runtime's error.
func TestRunOnCreate(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo early; echo err >&2; exit 3")
	cfg := f.config()
	cfg.RunOnCreate = true
	ctx := testCtx(t)
	sh := createdShim(t, ctx, cfg)
	if st, err := sh.State(ctx); err != nil || st.Status != shimclient.StatusCreated {
		t.Fatalf("state before Start = %+v, %v; want created", st, err)
	}
	var out, errOut testutil.SyncBuffer
	ready := make(chan struct{})
	attached := make(chan error, 1)
	go func() {
		attached <- sh.Attach(ctx, shimclient.Streams{Stdout: &out, Stderr: &errOut, Ready: func() { close(ready) }})
	}()
	<-ready
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-attached; err != nil {
		t.Fatalf("attach: %v", err)
	}
	if out.String() != "early\n" || errOut.String() != "err\n" {
		t.Fatalf("stdout %q stderr %q", out.String(), errOut.String())
	}
	e, err := sh.Wait(ctx)
	if err != nil || e.Code != 3 {
		t.Fatalf("exit = %+v, %v", e, err)
	}
	if msgs := readLog(t, f.logPath); len(msgs) != 2 {
		t.Fatalf("log = %q", msgs)
	}
	deleteAndCheck(t, ctx, sh)

	bad := newFixture(t, false, "nosuchcmd")
	cfg = bad.config()
	cfg.RunOnCreate = true
	if _, err := startShim(t, ctx, cfg); err == nil || !strings.Contains(err.Error(), "nosuchcmd") {
		t.Fatalf("run of a missing command: %v", err)
	}
}

// attachThenStart attaches w as stdout, starts the container once the
// attach is registered, and waits for the attach to end.
func attachThenStart(t *testing.T, ctx context.Context, sh *shimclient.Shim, w io.Writer) {
	t.Helper()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- sh.Attach(ctx, shimclient.Streams{Stdout: w, Ready: func() { close(ready) }}) }()
	<-ready
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
