package cgroups

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/opencontainers/cgroups"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/testutil"
)

// v2NSEnv makes the test binary mount cgroup2 over /sys/fs/cgroup (in the
// private mount namespace its parent gave it) before running the tests, so
// that a v1 or hybrid host exercises the v2 code paths too.
const v2NSEnv = "BERTH_CGROUPS_V2_NS"

func TestMain(m *testing.M) {
	if os.Getenv(v2NSEnv) == "1" {
		if err := unix.Mount("none", "/sys/fs/cgroup", "cgroup2", 0, ""); err != nil {
			fmt.Fprintln(os.Stderr, "mount cgroup2:", err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

func TestV2InMountNamespace(t *testing.T) {
	testutil.RequireRoot(t)
	if cgroups.IsCgroup2UnifiedMode() {
		t.Skip("the host is cgroup v2: the other tests cover v2 directly")
	}
	cmd := exec.Command(os.Args[0], "-test.v", "-test.count=1",
		"-test.run=^(TestManagerLifecycle|TestManagerBlkioWeight|TestManagerDevices)$")
	cmd.Env = append(os.Environ(), v2NSEnv+"=1", testutil.RootEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tests under cgroup2: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "paths map[:/sys/fs/cgroup/bt-rl-") {
		t.Fatalf("the child did not use a v2 layout:\n%s", out)
	}
	t.Logf("%s", out)
}
