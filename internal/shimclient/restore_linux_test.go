package shimclient_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/shimclient"
	"golang.org/x/sys/unix"
)

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

// startInDyingDaemon starts cfg's container from a child process (the
// "daemon", see liveRestoreChild), SIGKILLs that child once it has
// reported, and returns its report line.
func startInDyingDaemon(t *testing.T, f *fixture, cfg shimclient.Config) string {
	t.Helper()
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
	child.Process.Signal(syscall.SIGKILL)
	child.Wait()
	if !strings.HasPrefix(line, "started ") {
		t.Fatalf("child: %q", line)
	}
	return line
}

func TestLiveRestore(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo before; read x; echo after; exit 7")
	cfg := f.config()
	cfg.OpenStdin = true
	// kill -9 the "daemon": the shim and the container live on.
	line := startInDyingDaemon(t, f, cfg)

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
	startInDyingDaemon(t, f, f.config())
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

// The shim is not the caller's child, with either way of starting it.
func TestShimIsNotOurChild(t *testing.T) {
	for _, doubleFork := range []bool{false, true} {
		t.Run(fmt.Sprint("doublefork=", doubleFork), func(t *testing.T) {
			shimclient.SetDoubleFork(doubleFork)
			defer shimclient.SetDoubleFork(false)
			f := newFixture(t, false, "sh", "-c", "echo hi")
			ctx := testCtx(t)
			sh := createdShim(t, ctx, f.config())
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
