package testutil

import (
	"os"
	"testing"
)

// RootEnv is the environment variable that turns on privileged tests. CI sets
// it; without it privileged tests skip, with it they fail when not run as root.
const RootEnv = "BERTH_TEST_ROOT"

// RequireRoot skips t unless privileged tests are enabled, and fails it when
// they are enabled but the process is not root, so that CI never skips
// silently.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Getenv(RootEnv) == "" {
		t.Skipf("privileged test: set %s=1 and run as root", RootEnv)
	}
	if os.Geteuid() != 0 {
		t.Fatalf("%s is set but the test does not run as root", RootEnv)
	}
}

// RootTempDir calls RequireRoot and returns t.TempDir(): the scratch
// directory of a privileged test.
func RootTempDir(t testing.TB) string {
	t.Helper()
	RequireRoot(t)
	return t.TempDir()
}
