package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// StartDocker starts Debian's dockerd (package docker.io) with its own data
// root, exec root and socket under a short temporary directory, without any
// networking of its own (no bridge, no iptables), and returns the DOCKER_HOST
// address. The daemon is stopped and its files removed when t ends. A missing
// dockerd is a test failure, never a skip.
func StartDocker(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("dockerd")
	if err != nil {
		t.Fatalf("dockerd is required (apt-get install docker.io): %v", err)
	}
	dir, err := os.MkdirTemp("/tmp", "bt-dk-")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "d.sock")
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "dockerd.pid"),
		"-H", "unix://"+sock,
		"--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	host := "unix://" + sock
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		UnmountAll(t, dir)
		_ = exec.Command("rm", "-rf", "--one-file-system", dir).Run()
	})
	WaitFor(t, 30*time.Second, func() error {
		out, err := exec.Command("docker", "-H", host, "version", "--format", "{{.Server.Version}}").CombinedOutput()
		if err != nil {
			return fmt.Errorf("dockerd not ready: %v: %s", err, out)
		}
		return nil
	})
	return host
}
