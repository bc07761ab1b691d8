package shimclient_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/shimclient"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func readLog(t *testing.T, path string) []logger.Message {
	t.Helper()
	var out []logger.Message
	err := logger.Read(context.Background(), path, logger.ReadConfig{Tail: -1}, func(m logger.Message) error {
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLogAndExitCode(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo out; echo err >&2; printf partial; exit 3")
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, f.config())
	if err != nil {
		t.Fatal(err)
	}
	if sh.Pid() <= 0 {
		t.Fatalf("pid %d after create", sh.Pid())
	}
	if st, err := sh.State(ctx); err != nil || st.Status != shimclient.StatusCreated {
		t.Fatalf("state after create: %+v, %v", st, err)
	}
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := sh.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e.Code != 3 || e.Signal != 0 || e.OOMKilled || e.ExitedAt.IsZero() {
		t.Fatalf("exit = %+v, want code 3", e)
	}
	msgs := readLog(t, f.logPath)
	got := map[string]string{}
	for _, m := range msgs {
		got[string(m.Line)] = m.Stream
	}
	if len(msgs) != 3 || got["out\n"] != "stdout" || got["err\n"] != "stderr" || got["partial"] != "stdout" {
		t.Fatalf("log = %q", msgs)
	}
	b, err := os.ReadFile(filepath.Join(f.stateDir, shimclient.ExitFile))
	if err != nil {
		t.Fatalf("exit.json: %v", err)
	}
	var disk shimclient.Exit
	if err := json.Unmarshal(b, &disk); err != nil || disk.Code != 3 {
		t.Fatalf("exit.json = %s (%v)", b, err)
	}
	// A second client waits too.
	sh2, err := shimclient.Connect(ctx, f.stateDir)
	if err != nil {
		t.Fatal(err)
	}
	if e2, err := sh2.Wait(ctx); err != nil || e2.Code != 3 {
		t.Fatalf("second wait: %+v, %v", e2, err)
	}
	deleteAndCheck(t, ctx, sh)
}

func TestRuntimeErrorText(t *testing.T) {
	f := newFixture(t, false, "bt-sh-nosuchcmd")
	ctx := testCtx(t)
	_, err := startShim(t, ctx, f.config())
	if err == nil {
		t.Fatal("start of a missing command succeeded")
	}
	if !strings.Contains(err.Error(), `exec: "bt-sh-nosuchcmd": executable file not found in $PATH`) {
		t.Fatalf("error = %q, want the runtime's message", err)
	}
	if _, serr := os.Stat(f.stateDir); serr == nil {
		t.Fatal("state dir left behind after a failed start")
	}
}

func TestAttachStdin(t *testing.T) {
	f := newFixture(t, false, "cat")
	cfg := f.config()
	cfg.OpenStdin, cfg.StdinOnce = true, true
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
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

func TestKill(t *testing.T) {
	f := newFixture(t, false, "sleep", "100")
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, f.config())
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
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
	f := newFixture(t, false, "sleep", "100")
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, f.config())
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
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

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestTerminalResize(t *testing.T) {
	f := newFixture(t, true, "sh", "-c", "read x; stty size; exit 4")
	cfg := f.config()
	cfg.Terminal, cfg.OpenStdin = true, true
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	var out syncBuffer
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

func TestExecTerminal(t *testing.T) {
	f := newFixture(t, false, "sleep", "100")
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, f.config())
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := sh.Exec(ctx, shimclient.ExecConfig{ExecID: "t1", OpenStdin: true, Process: specs.Process{Terminal: true, Args: []string{"sh", "-c", "read x; stty size"}, Cwd: "/", Env: []string{"PATH=/bin"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Resize(ctx, 12, 34); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
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

const childEnv = "BT_SHIM_LIVE_RESTORE_CHILD"

// liveRestoreChild is the "daemon" of TestLiveRestore: it starts the
// container, reports, and waits to be killed.
func liveRestoreChild(cfgPath string) int {
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	var cfg shimclient.Config
	json.Unmarshal(b, &cfg)
	ctx := context.Background()
	sh, err := shimclient.Start(ctx, cfg)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	if err := sh.Start(ctx); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("started", sh.Pid())
	select {}
}

func TestLiveRestore(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo before; read x; echo after; exit 7")
	cfg := f.config()
	cfg.OpenStdin = true
	cfgPath := filepath.Join(f.bundle, "shim-config.json")
	b, _ := json.Marshal(cfg)
	os.WriteFile(cfgPath, b, 0o600)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+cfgPath)
	stdout, _ := child.StdoutPipe()
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if !strings.HasPrefix(line, "started ") {
		child.Process.Kill()
		child.Wait()
		t.Fatalf("child: %q", line)
	}
	// kill -9 the "daemon": the shim and the container live on.
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()

	ctx := testCtx(t)
	sh, err := shimclient.Connect(ctx, f.stateDir)
	if err != nil {
		t.Fatalf("connect after the daemon died: %v", err)
	}
	if fmt.Sprintf("started %d\n", sh.Pid()) != line {
		t.Fatalf("pid after reconnect %d, child said %q", sh.Pid(), line)
	}
	if st, err := sh.State(ctx); err != nil || st.Status != shimclient.StatusRunning {
		t.Fatalf("state after reconnect %+v, %v", st, err)
	}
	// The shim kept logging while the daemon was gone.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if msgs := readLog(t, f.logPath); len(msgs) == 1 && string(msgs[0].Line) == "before\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(`no "before" in the log`)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Still attached to its stdio: feed it and see it finish with its code.
	var out bytes.Buffer
	if err := sh.Attach(ctx, shimclient.Streams{Stdin: strings.NewReader("x\n"), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "after\n" {
		t.Fatalf("attach after reconnect: %q", out.String())
	}
	e, err := sh.Wait(ctx)
	if err != nil || e.Code != 7 {
		t.Fatalf("exit after reconnect %+v, %v", e, err)
	}
	msgs := readLog(t, f.logPath)
	if len(msgs) != 2 || string(msgs[0].Line) != "before\n" || string(msgs[1].Line) != "after\n" {
		t.Fatalf("log across the daemon's death: %q", msgs)
	}
	deleteAndCheck(t, ctx, sh)
}

func TestLiveRestoreExitWhileDaemonDown(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "sleep 0.2; exit 9")
	cfgPath := filepath.Join(f.bundle, "shim-config.json")
	b, _ := json.Marshal(f.config())
	os.WriteFile(cfgPath, b, 0o600)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+cfgPath)
	stdout, _ := child.StdoutPipe()
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	if !strings.HasPrefix(line, "started ") {
		t.Fatalf("child: %q", line)
	}
	// The container exits while nobody is connected; the exit lands on disk.
	exitFile := filepath.Join(f.stateDir, shimclient.ExitFile)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(exitFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no exit.json after the container exited")
		}
		time.Sleep(20 * time.Millisecond)
	}
	ctx := testCtx(t)
	sh, err := shimclient.Connect(ctx, f.stateDir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := sh.Wait(ctx)
	if err != nil || e.Code != 9 {
		t.Fatalf("exit recorded while the daemon was down: %+v, %v", e, err)
	}
	deleteAndCheck(t, ctx, sh)
}

func TestRuntimeErrorTextTerminal(t *testing.T) {
	f := newFixture(t, true, "bt-sh-nosuchcmd")
	cfg := f.config()
	cfg.Terminal = true
	_, err := shimclient.Start(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), `exec: "bt-sh-nosuchcmd": executable file not found in $PATH`) {
		t.Fatalf("error = %v, want the runtime's message", err)
	}
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
	sh, err := startShim(t, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- sh.Attach(ctx, shimclient.Streams{Stdout: &out, Ready: func() { close(ready) }}) }()
	<-ready
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "tty-ok") {
		t.Fatalf("output %q", out.String())
	}
	if e, err := sh.Wait(ctx); err != nil || e.Code != 0 {
		t.Fatalf("exit %+v, %v", e, err)
	}
	deleteAndCheck(t, ctx, sh)
}

func TestOOMKilled(t *testing.T) {
	f := newFixture(t, false, "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
	b, _ := os.ReadFile(filepath.Join(f.bundle, "config.json"))
	var spec specs.Spec
	json.Unmarshal(b, &spec)
	limit := int64(16 << 20)
	if spec.Linux.Resources == nil {
		spec.Linux.Resources = &specs.LinuxResources{}
	}
	spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &limit}
	spec.Linux.CgroupsPath = "/" + f.id
	b, _ = json.Marshal(&spec)
	os.WriteFile(filepath.Join(f.bundle, "config.json"), b, 0o644)
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, f.config())
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := sh.Wait(ctx)
	if err != nil || e.Code != 137 || !e.OOMKilled {
		t.Fatalf("exit %+v, %v; want 137 and OOMKilled", e, err)
	}
	deleteAndCheck(t, ctx, sh)
}

func TestLogLongLinesAndRotation(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", `head -c 40000 /dev/zero | tr '\0' x; echo; seq 1 20000`)
	cfg := f.config()
	cfg.LogMaxSize, cfg.LogMaxFiles = 512<<10, 5
	ctx := testCtx(t)
	sh, err := startShim(t, ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if e, err := sh.Wait(ctx); err != nil || e.Code != 0 {
		t.Fatalf("exit %+v, %v", e, err)
	}
	msgs := readLog(t, f.logPath)
	if len(msgs) != 20003 {
		t.Fatalf("%d log entries, want 3 for the long line + 20000", len(msgs))
	}
	if len(msgs[0].Line) != logger.MaxLine || !msgs[0].Partial() || len(msgs[1].Line) != logger.MaxLine || string(msgs[2].Line) != strings.Repeat("x", 40000-2*logger.MaxLine)+"\n" {
		t.Fatalf("long line split as %d/%d/%d bytes", len(msgs[0].Line), len(msgs[1].Line), len(msgs[2].Line))
	}
	for i, m := range msgs[3:] {
		if string(m.Line) != fmt.Sprintf("%d\n", i+1) {
			t.Fatalf("entry %d = %q", i+3, m.Line)
		}
	}
	if _, err := os.Stat(f.logPath + ".1"); err != nil {
		t.Fatalf("log not rotated: %v", err)
	}
	deleteAndCheck(t, ctx, sh)
}

// The shim is not the caller's child, with either way of starting it.
func TestShimIsNotOurChild(t *testing.T) {
	for _, doubleFork := range []bool{false, true} {
		t.Run(fmt.Sprint("doublefork=", doubleFork), func(t *testing.T) {
			shimclient.SetDoubleFork(doubleFork)
			defer shimclient.SetDoubleFork(false)
			f := newFixture(t, false, "sh", "-c", "echo hi")
			ctx := testCtx(t)
			sh, err := startShim(t, ctx, f.config())
			if err != nil {
				t.Fatal(err)
			}
			st, err := sh.State(ctx)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", st.ShimPid))
			if err != nil {
				t.Fatal(err)
			}
			fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
			if fields[1] == fmt.Sprint(os.Getpid()) {
				t.Fatalf("shim %d is a child of the caller", st.ShimPid)
			}
			if sid, _ := unix.Getsid(st.ShimPid); sid != st.ShimPid {
				t.Fatalf("shim session %d, want its own", sid)
			}
			if err := sh.Start(ctx); err != nil {
				t.Fatal(err)
			}
			if e, err := sh.Wait(ctx); err != nil || e.Code != 0 {
				t.Fatalf("exit %+v %v", e, err)
			}
			deleteAndCheck(t, ctx, sh)
		})
	}
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
		sh, err := startShim(t, ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		ready := make(chan struct{})
		done := make(chan error, 1)
		go func() { done <- sh.Attach(ctx, shimclient.Streams{Stdout: &out, Ready: func() { close(ready) }}) }()
		<-ready
		if err := sh.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if out.String() != "first-line\n" {
			t.Fatalf("run %d: attach got %q", i, out.String())
		}
		sh.Wait(ctx)
		deleteAndCheck(t, ctx, sh)
	}
}
