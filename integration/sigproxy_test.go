package integration

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
)

// TestCLISignalProxy: an attached run relays a signal the CLI receives to
// the container (sig-proxy, on by default), whose trap answers and sets
// the exit code the CLI returns.
func TestCLISignalProxy(t *testing.T) { forEachCLI(t, testCLISignalProxy) }

func testCLISignalProxy(t *testing.T, cli string) {
	d := startDaemonCLI(t, cli)
	d.importBusybox()
	cmd := exec.Command(cli, "run", "--rm", "--name", "bt-sigproxy", "busybox", "sh", "-c",
		`trap "echo got-usr1; exit 3" USR1; echo ready; while true; do sleep 0.1; done`)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "BERTH_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir)
	var out testutil.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitFor(t, 20*time.Second, "the container's ready line", func() bool { return strings.Contains(out.String(), "ready") })
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if code := exitCode(err); code != 3 || !strings.Contains(out.String(), "got-usr1") {
			t.Fatalf("exit %d, output %q; want the trap's line and exit 3", code, out.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("SIGUSR1 not relayed: output %q", out.String())
	}
}
