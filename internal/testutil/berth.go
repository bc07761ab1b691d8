package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// BinaryEnv names the berth binary the tests run; `make test` sets it to
// the one it built.
const BinaryEnv = "BERTH_BINARY"

var built struct {
	once sync.Once
	path string
	err  error
}

// Berth returns the berth binary the tests run: $BERTH_BINARY when set,
// else one built once per test process by the Makefile's own rule (`make
// build BIN=…`: static, with the netgo and osusergo tags, as installed)
// into a temporary directory that RemoveBuiltBerth deletes.
func Berth() (string, error) {
	if b := os.Getenv(BinaryEnv); b != "" {
		return b, nil
	}
	built.once.Do(func() { built.path, built.err = makeBerth() })
	return built.path, built.err
}

// BerthBinary is Berth for one test: a failed build fails t.
func BerthBinary(t testing.TB) string {
	t.Helper()
	b, err := Berth()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RemoveBuiltBerth removes the binary Berth built, if any: call it when
// TestMain's tests are done.
func RemoveBuiltBerth() {
	if built.path != "" {
		os.RemoveAll(filepath.Dir(built.path))
	}
}

func makeBerth() (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("build berth: find the module: %w", err)
	}
	dir, err := os.MkdirTemp("", "bt-berth-bin-")
	if err != nil {
		return "", fmt.Errorf("build berth: %w", err)
	}
	bin := filepath.Join(dir, "berth")
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	out, err := exec.Command("make", "-s", "--no-print-directory", "-C", root, "build", "BIN="+bin).CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("build berth (make build): %w\n%s", err, out)
	}
	return bin, nil
}
