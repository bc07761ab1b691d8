package integration

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// TestAttachDetachAndTTY attaches to a tty container, exchanges input and
// output, resizes, and detaches with ctrl-p ctrl-q: the container keeps
// running.
func TestAttachDetachAndTTY(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	ctx := context.Background()
	cr, err := d.client.ContainerCreate(ctx, client.ContainerCreateOptions{Config: &container.Config{
		Image: "busybox", Cmd: []string{"sh"}, Tty: true, OpenStdin: true, AttachStdin: true, AttachStdout: true,
	}})
	if err != nil {
		t.Fatal(err)
	}
	att, err := d.client.ContainerAttach(ctx, cr.ID, client.ContainerAttachOptions{Stream: true, Stdin: true, Stdout: true, Stderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer att.Close()
	if _, err := d.client.ContainerStart(ctx, cr.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.client.ContainerResize(ctx, cr.ID, client.ContainerResizeOptions{Height: 33, Width: 99}); err != nil {
		t.Fatal(err)
	}
	if _, err := att.Conn.Write([]byte("stty size; echo tty-$((40+2))\n")); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(att.Reader)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	sawSize, sawEcho := false, false
	deadline := time.After(10 * time.Second)
	for !(sawSize && sawEcho) {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("attach stream ended early (size %v echo %v)", sawSize, sawEcho)
			}
			l = strings.TrimSpace(l)
			sawSize = sawSize || l == "33 99"
			sawEcho = sawEcho || l == "tty-42"
		case <-deadline:
			t.Fatalf("no tty output (size %v echo %v)", sawSize, sawEcho)
		}
	}
	// ctrl-p ctrl-q detaches: the stream ends, the container runs on.
	if _, err := att.Conn.Write([]byte{16, 17}); err != nil {
		t.Fatal(err)
	}
	ended := make(chan struct{})
	go func() {
		for range lines {
		}
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("detach keys did not end the attach")
	}
	ins, err := d.client.ContainerInspect(ctx, cr.ID, client.ContainerInspectOptions{})
	if err != nil || !ins.Container.State.Running {
		t.Fatalf("container after detach: %+v %v", ins.Container.State, err)
	}
}

// TestTwoDaemonsSideBySide runs two daemons with their own roots and
// sockets: each sees only its own containers. The socket is mode 0660.
func TestTwoDaemonsSideBySide(t *testing.T) {
	a := startDaemon(t)
	b := startDaemon(t)
	a.importBusybox()
	b.importBusybox()
	if out, code := a.docker("", "run", "-d", "--name", "bt-en-a", "busybox", "sleep", "60"); code != 0 {
		t.Fatalf("run on a: %d %q", code, out)
	}
	if out, code := b.docker("", "create", "--name", "bt-en-b", "busybox", "true"); code != 0 {
		t.Fatalf("create on b: %d %q", code, out)
	}
	outA, _ := a.docker("", "ps", "-a", "--format", "{{.Names}}")
	outB, _ := b.docker("", "ps", "-a", "--format", "{{.Names}}")
	if outA != "bt-en-a\n" || outB != "bt-en-b\n" {
		t.Fatalf("a sees %q, b sees %q", outA, outB)
	}
	fi, err := os.Stat(a.sock)
	if err != nil || fi.Mode().Perm() != 0o660 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode: %v %v", fi.Mode(), err)
	}
	// The events stream reports the lifecycle (until is whole seconds).
	time.Sleep(1100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev := a.client.Events(ctx, client.EventsListOptions{Since: "1h", Until: "0s"})
	var actions []string
	for done := false; !done; {
		select {
		case m := <-ev.Messages:
			actions = append(actions, string(m.Action))
		case err := <-ev.Err:
			if err != nil && err != io.EOF {
				t.Fatalf("events: %#v", err)
			}
			done = true
		}
	}
	if got := strings.Join(actions, ","); !strings.Contains(got, "create,start") {
		t.Fatalf("events: %s", got)
	}
}

// TestDaemonFlags checks the socket group, a malformed config file and a
// pid file held by a running daemon.
func TestDaemonFlags(t *testing.T) {
	d := startDaemon(t)
	grp, err := user.LookupGroup("adm")
	if err != nil {
		t.Fatalf("group adm: %v", err)
	}
	d.stop()
	d.args = append(d.args, "--group", "adm")
	d.start(nil)
	fi, err := os.Stat(d.sock)
	if err != nil {
		t.Fatal(err)
	}
	if gid := fi.Sys().(*syscall.Stat_t).Gid; strconv.Itoa(int(gid)) != grp.Gid {
		t.Fatalf("socket gid %d, want %s", gid, grp.Gid)
	}
	// A second daemon on the same pid file refuses to start.
	out, err := exec.Command(berthBinary, d.args...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "pid file found, ensure berth is not running") {
		t.Fatalf("second daemon on the same pid file: %v %s", err, out)
	}
	// A malformed config file is a clear error.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"data-root": `), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(berthBinary, "daemon", "--config-file", bad, "-H", "unix://"+d.sockDir+"/bad.sock").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unable to configure the daemon with file "+bad) {
		t.Fatalf("malformed config: %v %s", err, out)
	}
}
