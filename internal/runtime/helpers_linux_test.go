package runtime_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	rtspec "github.com/berth/berth/internal/runtime/spec"
	"github.com/berth/berth/internal/testutil"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBuiltBerth()
	os.Exit(code)
}

// rt drives `berth runtime` with its own state root.
type rt struct {
	t    *testing.T
	bin  string
	root string
}

func newRT(t *testing.T) *rt {
	t.Helper()
	testutil.RequireRoot(t)
	return &rt{t: t, bin: testutil.BerthBinary(t), root: t.TempDir()}
}

// run executes berth runtime with args and returns stdout, stderr and
// the exit code.
func (r *rt) run(args ...string) (string, string, int) {
	r.t.Helper()
	cmd := exec.Command(r.bin, append([]string{"runtime", "--root", r.root}, args...)...)
	// files, not pipes: a created or detached container keeps its stdio
	// open long after berth runtime returns.
	outF, err := os.CreateTemp(r.t.TempDir(), "out")
	if err != nil {
		r.t.Fatal(err)
	}
	errF, err := os.CreateTemp(r.t.TempDir(), "err")
	if err != nil {
		r.t.Fatal(err)
	}
	defer outF.Close()
	defer errF.Close()
	cmd.Stdout, cmd.Stderr = outF, errF
	err = cmd.Run()
	out, _ := os.ReadFile(outF.Name())
	errb, _ := os.ReadFile(errF.Name())
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			r.t.Fatalf("run berth runtime %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return string(out), string(errb), code
}

// must runs and fails the test on a non-zero exit.
func (r *rt) must(args ...string) string {
	r.t.Helper()
	out, errs, code := r.run(args...)
	if code != 0 {
		r.t.Fatalf("berth runtime %v: exit %d: %s", args, code, errs)
	}
	return out
}

// runScript runs, in the foreground as container id, a bundle whose
// process runs sh -c script (see bundle) and returns stdout, stderr and
// the exit code.
func (r *rt) runScript(id, script string, mutate func(*specs.Spec)) (string, string, int) {
	r.t.Helper()
	return r.run("run", "--bundle", bundle(r.t, script, mutate), id)
}

// mustScript is runScript failing the test on a non-zero exit.
func (r *rt) mustScript(id, script string, mutate func(*specs.Spec)) string {
	r.t.Helper()
	return r.must("run", "--bundle", bundle(r.t, script, mutate), id)
}

// cleanup force-deletes id at the end of the test.
func (r *rt) cleanup(id string) {
	r.t.Cleanup(func() { r.run("delete", "--force", id) })
}

// start runs berth runtime with args in the background, its output going
// to the returned buffer; done receives Wait's error. The container id,
// the last argument, is deleted at the end of the test.
func (r *rt) start(args ...string) (*exec.Cmd, *testutil.SyncBuffer, chan error) {
	r.t.Helper()
	r.cleanup(args[len(args)-1])
	cmd := exec.Command(r.bin, append([]string{"runtime", "--root", r.root}, args...)...)
	out := &testutil.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return cmd, out, done
}

// runDetached runs the bundle b detached as id, deleted at the end of the
// test.
func (r *rt) runDetached(b, id string) {
	r.t.Helper()
	r.cleanup(id)
	r.must("run", "-d", "--bundle", b, id)
}

func (r *rt) state(id string) specs.State {
	r.t.Helper()
	var st specs.State
	if err := json.Unmarshal([]byte(r.must("state", id)), &st); err != nil {
		r.t.Fatalf("parse state: %v", err)
	}
	return st
}

// bundle writes a busybox bundle whose process runs sh -c script, after
// mutate has adjusted the default spec.
func bundle(t *testing.T, script string, mutate func(*specs.Spec)) string {
	t.Helper()
	dir := t.TempDir()
	testutil.BusyboxRootfs(t, filepath.Join(dir, "rootfs"))
	spec := rtspec.Default()
	spec.Root.Readonly = false
	spec.Process.Terminal = false
	spec.Process.Args = []string{"sh", "-c", script}
	spec.Hostname = "bt-rt-host"
	if mutate != nil {
		mutate(spec)
	}
	if len(spec.Linux.UIDMappings) > 0 {
		// the mapped root must be able to reach the rootfs.
		for _, d := range []string{filepath.Dir(dir), dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	testutil.WriteSpec(t, dir, spec)
	return dir
}

func lines(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }
