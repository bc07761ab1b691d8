package initproc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// As PID 1 of a real container (runc), berth init reaps the orphans the
// kernel hands it and passes `runc kill … TERM` on to its child.
func TestAsContainerInit(t *testing.T) {
	testutil.RequireRoot(t)
	short, err := os.MkdirTemp("/tmp", "bt-sh-init-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(short)
	bundle := filepath.Join(short, "b")
	root := filepath.Join(short, "r")
	id := "bt-sh-init-" + filepath.Base(short)[len("bt-sh-init-"):]
	// Orphans: three background sleeps whose parent shell exits at once.
	// Then the main child waits for TERM and reports how many zombies init
	// left behind.
	testutil.RuncBundle(t, bundle, func(spec *specs.Spec) {
		spec.Process.Args = []string{"/sbin/berth", "init", "--", "sh", "-c", `
		sh -c 'sleep 0.1 & sleep 0.1 & sleep 0.1 &'
		sleep 0.5
		z=0; for s in /proc/[0-9]*/stat; do read -r l < $s; case "$l" in *") Z "*) z=$((z+1));; esac; done
		echo "zombies=$z"
		trap 'echo got-term; exit 9' TERM
		echo ready
		while :; do sleep 0.05; done`}
	})
	bin, err := os.ReadFile(berthBinary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "rootfs/sbin/berth"), bin, 0o755); err != nil {
		t.Fatal(err)
	}

	run := exec.Command("runc", "--root", root, "run", "--bundle", bundle, id)
	out := &testutil.SyncBuffer{}
	run.Stdout, run.Stderr = out, out
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	defer exec.Command("runc", "--root", root, "delete", "--force", id).Run()
	if !out.WaitFor("ready", 10*time.Second) {
		run.Process.Kill()
		t.Fatalf("container output: %q", out.String())
	}
	if !strings.Contains(out.String(), "zombies=0") {
		t.Errorf("zombies left in the container: %q", out.String())
	}
	if o, err := exec.Command("runc", "--root", root, "kill", id, "TERM").CombinedOutput(); err != nil {
		t.Fatalf("runc kill: %v: %s", err, o)
	}
	err = run.Wait()
	if code := exitCode(t, err); code != 9 || !strings.Contains(out.String(), "got-term") {
		t.Fatalf("after TERM: exit %d, output %q", code, out.String())
	}
}
