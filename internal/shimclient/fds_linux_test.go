package shimclient_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func fdLinks(t *testing.T, pid int) map[string]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		l, _ := os.Readlink(filepath.Join(dir, e.Name()))
		out[e.Name()] = l
	}
	return out
}

// A descriptor the daemon leaked (no O_CLOEXEC) reaches neither the shim nor
// the container.
func TestNoFdLeak(t *testing.T) {
	f := newFixture(t, false, "sleep", "100")
	leak, err := os.CreateTemp(f.bundle, "leaked-")
	if err != nil {
		t.Fatal(err)
	}
	defer leak.Close()
	if _, err := unix.FcntlInt(leak.Fd(), unix.F_SETFD, 0); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	t0 := time.Now()
	sh := createdShim(t, ctx, f.config())
	t1 := time.Now()
	if err := sh.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("create %v, start %v (runc included)", t1.Sub(t0), time.Since(t1))
	st, err := sh.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for fd, l := range fdLinks(t, st.ShimPid) {
		if strings.Contains(l, "leaked-") {
			t.Errorf("shim holds the daemon's fd %s -> %s", fd, l)
		}
	}
	// `runc start` returns before runc init has exec'd the process (its own
	// fds are still open until then): wait for the exec.
	deadline := time.Now().Add(5 * time.Second)
	for {
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", sh.Pid()))
		if strings.HasSuffix(exe, "/busybox") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container process never exec'd busybox: %s", exe)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cfds := fdLinks(t, sh.Pid())
	if len(cfds) != 3 || cfds["0"] != "/dev/null" || !strings.HasPrefix(cfds["1"], "pipe:") || !strings.HasPrefix(cfds["2"], "pipe:") {
		t.Errorf("container fds = %v, want /dev/null and two pipes", cfds)
	}
	sh.Kill(ctx, syscall.SIGKILL)
	sh.Wait(ctx)
	deleteAndCheck(t, ctx, sh)
}
