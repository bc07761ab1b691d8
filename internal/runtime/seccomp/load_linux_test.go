package seccomp

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/testutil"
)

// childEnv makes the test binary act as a child that loads the profile in
// the env's value (JSON), then either tries mkdir or execs a program.
const childEnv = "BERTH_SECCOMP_TEST_CHILD"

func TestMain(m *testing.M) { testutil.ChildMain(m, childEnv, child) }

type childReq struct {
	Profile *specs.LinuxSeccomp
	Mkdir   string   // try mkdir(Mkdir, Mode) and print the errno
	Mode    uint32   // 0 means 0o755
	Exec    []string // exec this under the filter
}

func child(req childReq) {
	runtime.LockOSThread()
	prog, err := Compile(req.Profile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := Load(prog, req.Profile.Flags); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if req.Mkdir != "" {
		mode := req.Mode
		if mode == 0 {
			mode = 0o755
		}
		err := unix.Mkdir(req.Mkdir, mode)
		fmt.Printf("mkdir: %v\n", err)
		os.Exit(0)
	}
	err = syscall.Exec(req.Exec[0], req.Exec, []string{"PATH=/bin"})
	fmt.Fprintln(os.Stderr, "exec:", err)
	os.Exit(3)
}

func runChild(t *testing.T, req childReq) (string, error) {
	t.Helper()
	return testutil.RunChild(t, childEnv, req)
}

func TestLoadDeniesSyscall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	out, err := runChild(t, childReq{Mkdir: dir, Profile: &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno},
		},
		Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"},
	}})
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	if !strings.Contains(out, "mkdir: operation not permitted") {
		t.Fatalf("mkdir under filter: %q, want EPERM", out)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatalf("%s was created despite the filter", dir)
	}
}

func TestLoadDockerDefaultRunsProgram(t *testing.T) {
	const bb = "/bin/busybox"
	if _, err := os.Stat(bb); err != nil {
		t.Fatalf("busybox-static is required: %v", err)
	}
	p := dockerDefault(t)
	out, err := runChild(t, childReq{Profile: p, Exec: []string{bb, "sh", "-c", "echo hello; cat /proc/self/status | grep ^Seccomp:; unshare -U true 2>/dev/null && echo unshare-allowed || echo unshare-denied"}})
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	for _, want := range []string{"hello", "Seccomp:\t2", "unshare-denied"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
}

// The kernel runs argument conditions as the VM tests expect: mkdir with
// the sticky bit (MASKED_EQ on the mode) is refused, a plain one is not.
func TestLoadArgumentCondition(t *testing.T) {
	profile := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{{
			Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EACCES)),
			Args: []specs.LinuxSeccompArg{{Index: 2, Value: 0o1000, ValueTwo: 0o1000, Op: specs.OpMaskedEqual}},
		}},
	}
	// mkdir(2) on amd64 is mkdirat(AT_FDCWD, path, mode): mode is arg 2.
	dir := t.TempDir()
	out, err := runChild(t, childReq{Profile: profile, Mkdir: filepath.Join(dir, "sticky"), Mode: 0o1755})
	if err != nil || !strings.Contains(out, "mkdir: permission denied") {
		t.Fatalf("sticky mkdir: %v %q, want EACCES", err, out)
	}
	out, err = runChild(t, childReq{Profile: profile, Mkdir: filepath.Join(dir, "plain"), Mode: 0o755})
	if err != nil || !strings.Contains(out, "mkdir: <nil>") {
		t.Fatalf("plain mkdir: %v %q, want success", err, out)
	}
}
