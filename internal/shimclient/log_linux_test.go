package shimclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func readLog(t *testing.T, path string) []logger.Message {
	t.Helper()
	return testutil.Collect(t, func(yield func(logger.Message) error) error {
		return logger.Read(context.Background(), path, logger.ReadConfig{Tail: -1}, yield)
	})
}

func TestLogAndExitCode(t *testing.T) {
	f := newFixture(t, false, "sh", "-c", "echo out; echo err >&2; printf partial; exit 3")
	ctx := testCtx(t)
	sh := createdShim(t, ctx, f.config())
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

func TestRuntimeErrorTextTerminal(t *testing.T) {
	f := newFixture(t, true, "bt-sh-nosuchcmd")
	cfg := f.config()
	cfg.Terminal = true
	_, err := shimclient.Start(testCtx(t), cfg)
	if err == nil || !strings.Contains(err.Error(), `exec: "bt-sh-nosuchcmd": executable file not found in $PATH`) {
		t.Fatalf("error = %v, want the runtime's message", err)
	}
}

func TestOOMKilled(t *testing.T) {
	f := newFixture(t, false, "dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")
	testutil.EditSpec(t, f.bundle, func(spec *specs.Spec) {
		limit := int64(16 << 20)
		if spec.Linux.Resources == nil {
			spec.Linux.Resources = &specs.LinuxResources{}
		}
		spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &limit}
		spec.Linux.CgroupsPath = "/" + f.id
	})
	ctx := testCtx(t)
	sh := startedShim(t, ctx, f.config())
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
	sh := startedShim(t, ctx, cfg)
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
