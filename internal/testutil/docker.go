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

// dockerd is one Debian dockerd (package docker.io) on its own data root,
// exec root and socket under a short temporary directory.
type dockerd struct {
	Host string // DOCKER_HOST address
	dir  string
	args []string // beyond the roots, pidfile and socket
	cmd  *exec.Cmd
}

func newDockerd(args ...string) (*dockerd, error) {
	if _, err := exec.LookPath("dockerd"); err != nil {
		return nil, fmt.Errorf("dockerd is required (apt-get install docker.io): %w", err)
	}
	dir, err := os.MkdirTemp("/tmp", "bt-dk-")
	if err != nil {
		return nil, err
	}
	return &dockerd{Host: "unix://" + filepath.Join(dir, "d.sock"), dir: dir, args: args}, nil
}

// start runs dockerd and waits until it answers.
func (d *dockerd) start() error {
	logf, err := os.OpenFile(filepath.Join(d.dir, "dockerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command("dockerd", append([]string{"--data-root", filepath.Join(d.dir, "data"), "--exec-root", filepath.Join(d.dir, "exec"),
		"--pidfile", filepath.Join(d.dir, "dockerd.pid"), "-H", d.Host}, d.args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	d.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command("docker", "-H", d.Host, "version", "--format", "{{.Server.Version}}").CombinedOutput()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(d.dir, "dockerd.log"))
			return fmt.Errorf("dockerd not ready: %v: %s\n%s", err, out, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends dockerd (SIGTERM, then SIGKILL of its process group after 20 s).
func (d *dockerd) stop() {
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	d.cmd = nil
}

// remove deletes the daemon's directory, unmounting what it left there.
func (d *dockerd) remove(logf func(format string, args ...any)) {
	unmountAll(d.dir, logf)
	_ = exec.Command("rm", "-rf", "--one-file-system", d.dir).Run()
}

// StartDocker starts Debian's dockerd with its own data root, exec root and
// socket, without any networking of its own (no bridge, no iptables), and
// returns the DOCKER_HOST address. The daemon is stopped and its files
// removed when t ends. A missing dockerd is a test failure, never a skip.
func StartDocker(t testing.TB) string {
	t.Helper()
	d, err := newDockerd("--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.stop()
		d.remove(t.Logf)
	})
	if err := d.start(); err != nil {
		t.Fatal(err)
	}
	return d.Host
}
