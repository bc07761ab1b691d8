package caps

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/testutil"
)

// childEnv makes the test binary a child that applies the capabilities in
// the env's value (JSON) and reports its status, see child.
const childEnv = "BERTH_CAPS_TEST_CHILD"

func TestMain(m *testing.M) { testutil.ChildMain(m, childEnv, child) }

type childReq struct {
	Caps *specs.LinuxCapabilities
	UID  int  // if not 0: switch to it the documented way before Apply
	Exec bool // exec busybox to print /proc/self/status instead of printing it here
}

func child(req childReq) {
	runtime.LockOSThread()
	if req.UID != 0 {
		// Order documented on Apply: keep caps across the uid change of
		// this thread only (raw syscalls: Go's setuid would change all
		// threads), then Apply.
		if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
			fail(err)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); e != 0 {
			fail(e)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(req.UID), uintptr(req.UID), uintptr(req.UID)); e != 0 {
			fail(e)
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(req.UID), uintptr(req.UID), uintptr(req.UID)); e != 0 {
			fail(e)
		}
	}
	if err := Apply(req.Caps); err != nil {
		fail(err)
	}
	if req.UID != 0 {
		_ = unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0)
	}
	if req.Exec {
		err := syscall.Exec(testutil.BusyboxPath, []string{"cat", "/proc/self/status"}, nil)
		fail(err)
	}
	data, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(data)
	os.Exit(0)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "child:", err)
	os.Exit(2)
}

// status runs a child and returns the Cap* lines of its status as masks.
func status(t *testing.T, req childReq) map[string]uint64 {
	t.Helper()
	out, err := testutil.RunChild(t, childEnv, req)
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	caps := map[string]uint64{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":\t")
		if ok && strings.HasPrefix(k, "Cap") {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			caps[k] = n
		}
	}
	if len(caps) != 5 {
		t.Fatalf("no capability lines in %s", out)
	}
	return caps
}

func bits(names ...string) uint64 {
	var m uint64
	for _, n := range names {
		m |= 1 << capByName[n]
	}
	return m
}

func TestApplyAsRoot(t *testing.T) {
	testutil.RequireRoot(t)
	got := status(t, childReq{Caps: &specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Effective:   []string{"CAP_CHOWN", "CAP_KILL"},
		Permitted:   []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
		Inheritable: []string{"CAP_KILL"},
		Ambient:     []string{"CAP_KILL"},
	}})
	want := map[string]uint64{
		"CapBnd": bits("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
		"CapEff": bits("CAP_CHOWN", "CAP_KILL"),
		"CapPrm": bits("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
		"CapInh": bits("CAP_KILL"),
		"CapAmb": bits("CAP_KILL"),
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %016x, want %016x", k, got[k], w)
		}
	}
}

func TestApplyNilDropsAll(t *testing.T) {
	testutil.RequireRoot(t)
	got := status(t, childReq{})
	for k, v := range got {
		if v != 0 {
			t.Errorf("%s = %016x, want 0", k, v)
		}
	}
}

func TestApplyAfterSetuidThenExec(t *testing.T) {
	testutil.RequireRoot(t)
	if _, err := os.Stat(testutil.BusyboxPath); err != nil {
		t.Fatalf("busybox-static is required: %v", err)
	}
	// A non-root user keeps an ambient capability across execve.
	c := []string{"CAP_NET_BIND_SERVICE"}
	got := status(t, childReq{UID: 65534, Exec: true, Caps: &specs.LinuxCapabilities{
		Bounding: c, Effective: c, Permitted: c, Inheritable: c, Ambient: c}})
	w := bits(c...)
	for _, k := range []string{"CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"} {
		if got[k] != w {
			t.Errorf("%s = %016x, want %016x", k, got[k], w)
		}
	}
}

func TestApplyRejectsUnknown(t *testing.T) {
	// Validation runs before anything changes: safe in the test process.
	err := Apply(&specs.LinuxCapabilities{Effective: []string{"CAP_NOPE"}})
	if err == nil || !strings.Contains(err.Error(), "process.capabilities.effective: unknown capability CAP_NOPE") {
		t.Fatalf("Apply(unknown) = %v", err)
	}
}
