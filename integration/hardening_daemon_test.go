package integration

import (
	"github.com/berth/berth/internal/testutil"

	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 13, point 6: the daemon's own attack surface. Each test performs
// the attack or misuse and asserts that it fails.

// nobody is the unprivileged user the tests act as.
const nobody = 65534

// asNobody runs a command as uid/gid 65534 and returns its output and
// whether it succeeded.
func asNobody(name string, args ...string) (string, bool) {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// openDir makes a directory under /tmp that every user may traverse, so
// that what a test finds unreachable is kept shut by berth's own modes.
func openDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "bt-en-hd-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// setArg replaces the value of flag in d's daemon arguments.
func (d *testDaemon) setArg(flag, value string) {
	for i := 0; i+1 < len(d.args); i++ {
		if d.args[i] == flag {
			d.args[i+1] = value
			return
		}
	}
	d.args = append(d.args, flag, value)
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

// TestDaemonTCPWithoutTLSRefused: -H tcp://… without TLS refuses to start
// with dockerd's message, before creating anything; an explicit --tls=false
// (dockerd's opt-in) serves plain TCP.
func TestDaemonTCPWithoutTLSRefused(t *testing.T) {
	d := startDaemon(t)
	d.stop()
	_ = os.Remove(d.sock) // a daemon killed after a slow shutdown leaves it
	fresh := filepath.Join(t.TempDir(), "fresh-root")
	args := append([]string{}, d.args...)
	args = append(args, "-H", "tcp://127.0.0.1:0")
	for i := range args {
		if args[i] == "--data-root" {
			args[i+1] = fresh
		}
	}
	cmd := exec.Command(berthBinary, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	timer := time.AfterFunc(15*time.Second, func() { _ = cmd.Process.Kill() }) // it started: the test fails below
	out, err := cmd.CombinedOutput()
	timer.Stop()
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("daemon on plain TCP: exit %v, output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network (host tcp://127.0.0.1:0)") ||
		!strings.Contains(string(out), "--tls=false") {
		t.Fatalf("refusal without dockerd's message:\n%s", out)
	}
	if _, err := os.Stat(fresh); err == nil {
		t.Fatal("the refused daemon created its data root")
	}
	if _, err := os.Stat(d.sock); err == nil {
		t.Fatal("the refused daemon created its socket")
	}

	// The explicit opt-out starts, and the API answers on TCP.
	d.args = append(d.args, "-H", "tcp://127.0.0.1:0", "--tls=false")
	d.start(nil)
	data, _ := os.ReadFile(d.logPath)
	m := regexp.MustCompile(`API listening" addr=(127\.0\.0\.1:[0-9]+)`).FindSubmatch(data)
	if m == nil {
		t.Fatalf("no TCP listener with --tls=false:\n%s", data)
	}
	if out, err := exec.Command("curl", "-sS", "--max-time", "5", "http://"+string(m[1])+"/_ping").CombinedOutput(); err != nil || string(out) != "OK" {
		t.Fatalf("ping over TCP: %v %q", err, out)
	}
}

// checkRootModes asserts the data root is 0710 and its volumes directory
// 0700, and that uid 65534 can neither list a named volume nor read a file
// in it (while it can read the same kind of file outside berth's tree).
func checkRootModes(t *testing.T, root string, volume string) {
	t.Helper()
	if m := mode(t, root).Perm(); m != 0o710 {
		t.Errorf("data root %s mode %o, want 710", root, m)
	}
	if m := mode(t, filepath.Join(root, "volumes")).Perm(); m != 0o700 {
		t.Errorf("volumes dir mode %o, want 700", m)
	}
	data := filepath.Join(root, "volumes", volume, "_data")
	mustWrite(t, filepath.Join(data, "secret"), "volume content\n")
	if err := os.Chmod(filepath.Join(data, "secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	control := filepath.Join(filepath.Dir(root), "control")
	if err := os.MkdirAll(control, 0o755); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(control, "secret"), "public\n")
	if err := os.Chmod(filepath.Join(control, "secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, ok := asNobody("cat", filepath.Join(control, "secret")); !ok {
		t.Fatalf("control: uid %d cannot read a 0644 file beside the data root: %s", nobody, out)
	}
	if out, ok := asNobody("ls", data); ok {
		t.Errorf("uid %d lists volume %s: %q", nobody, volume, out)
	}
	if out, ok := asNobody("cat", filepath.Join(data, "secret")); ok {
		t.Errorf("uid %d reads volume %s: %q", nobody, volume, out)
	}
}

// TestDataRootModes: the data root is 0710 and the volumes directory 0700
// whoever made them: a fresh daemon, a daemon on a data root an older berth
// (or its autostart) made 0711/0755, and the CLI's autostart. No other
// user reads a named volume.
func TestDataRootModes(t *testing.T) {
	t.Run("fresh", func(t *testing.T) {
		d := startDaemon(t)
		d.stop()
		d.root = filepath.Join(openDir(t), "root")
		d.setArg("--data-root", d.root)
		d.start(nil)
		if out, code := d.docker("", "volume", "create", "bt-en-vol"); code != 0 {
			t.Fatalf("volume create: %d %s", code, out)
		}
		checkRootModes(t, d.root, "bt-en-vol")
	})
	t.Run("existing", func(t *testing.T) {
		d := startDaemon(t)
		d.stop()
		d.root = filepath.Join(openDir(t), "root")
		for dir, m := range map[string]os.FileMode{d.root: 0o711, filepath.Join(d.root, "volumes"): 0o755} {
			if err := os.MkdirAll(dir, m); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, m); err != nil {
				t.Fatal(err)
			}
		}
		d.setArg("--data-root", d.root)
		d.start(nil)
		if out, code := d.docker("", "volume", "create", "bt-en-vol"); code != 0 {
			t.Fatalf("volume create: %d %s", code, out)
		}
		checkRootModes(t, d.root, "bt-en-vol")
	})
	t.Run("autostart", func(t *testing.T) {
		testutil.RequireRoot(t)
		// The CLI starts a daemon for its socket (data root next to it).
		// unshare keeps that daemon's default bridge and mounts in
		// namespaces of its own.
		dir := openDir(t)
		sock := filepath.Join(dir, "run", "d.sock")
		t.Cleanup(func() { stopAutostarted(t, sock) })
		out, code := runCLIUnshared(t, sock, "volume", "create", "bt-en-vol")
		if code != 0 {
			log, _ := os.ReadFile(sock + ".data/berth.log")
			t.Fatalf("volume create with autostart: %d %s\n%s", code, out, log)
		}
		checkRootModes(t, sock+".data", "bt-en-vol")
	})
}

// runCLIUnshared runs berth's CLI for socket sock in new network and mount
// namespaces, so that a daemon it autostarts (default bridge, mounts)
// touches nothing of the host.
func runCLIUnshared(t *testing.T, sock string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", append([]string{"-n", "-m", berthBinary}, args...)...)
	cmd.Env = append(os.Environ(), "BERTH_HOST=unix://"+sock, "BERTH_DATA_ROOT=", "BERTH_NO_AUTOSTART=", "DOCKER_HOST=")
	out, err := cmd.CombinedOutput()
	return string(out), exitCode(err)
}

// stopAutostarted ends the daemon autostarted for sock (SIGTERM, by the
// pid in its exec root) and waits for it.
func stopAutostarted(t *testing.T, sock string) {
	data, err := os.ReadFile(filepath.Join(sock+".exec", "berth.pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("autostarted daemon %d did not stop", pid)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestAutostartSocketDirNotRootOwned: the CLI, as root, refuses to
// autostart a daemon for a socket in a directory another user owns (or
// reached through a symlink into one): that user could swap in symlinks
// for the lock, log and data root root would write. Nothing is started.
func TestAutostartSocketDirNotRootOwned(t *testing.T) {
	testutil.RequireRoot(t)
	dir := openDir(t)
	userDir := filepath.Join(dir, "user")
	if err := os.Mkdir(userDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(userDir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link") // root's symlink into the user's dir
	if err := os.Symlink(userDir, link); err != nil {
		t.Fatal(err)
	}
	for _, sock := range []string{filepath.Join(userDir, "d.sock"), filepath.Join(userDir, "sub", "d.sock"), filepath.Join(link, "d.sock")} {
		t.Cleanup(func() { stopAutostarted(t, sock) })
		out, code := runCLIUnshared(t, sock, "ps")
		if code == 0 {
			t.Errorf("autostart for %s: exit 0: %s", sock, out)
		}
		if !strings.Contains(out, "refusing to start a daemon for unix://"+sock) || !strings.Contains(out, userDir+" is owned by uid 65534, not root") {
			t.Errorf("autostart for %s: no clear refusal:\n%s", sock, out)
		}
	}
	if entries, _ := os.ReadDir(userDir); len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("the refused autostart left %v in the user's directory", names)
	}
}

// TestSocketChownNoFollow: a symlink to a victim file sits where the API
// socket goes, and while the daemon starts another process swaps the
// socket for that symlink the moment it appears; the daemon's chown/chmod
// of its socket never reach the victim.
func TestSocketChownNoFollow(t *testing.T) {
	d := startDaemon(t)
	d.stop()
	victim := filepath.Join(openDir(t), "victim")
	mustWrite(t, victim, "not the daemon's\n")
	if err := os.Chown(victim, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(victim, 0o604); err != nil {
		t.Fatal(err)
	}
	for try := 0; try < 20; try++ { // the window on a racy daemon is small: several starts
		stop := make(chan struct{})
		raced := make(chan int)
		go func() {
			n := 0
			for {
				select {
				case <-stop:
					raced <- n
					return
				default:
				}
				// Swap the socket for the symlink as soon as it shows.
				if fi, err := os.Lstat(d.sock); err == nil && fi.Mode()&fs.ModeSocket != 0 {
					_ = os.Remove(d.sock)
					if os.Symlink(victim, d.sock) == nil {
						n++
					}
				}
			}
		}()
		_ = os.Remove(d.sock)
		if err := os.Symlink(victim, d.sock); err != nil { // already there before the start, too
			t.Fatal(err)
		}
		before, _ := os.ReadFile(d.logPath)
		logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(berthBinary, d.args...)
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		logf.Close()
		d.cmd = cmd
		waitFor(t, 20*time.Second, "API listening", func() bool {
			data, _ := os.ReadFile(d.logPath)
			return strings.Contains(string(data[len(before):]), `API listening" addr=`+d.sock)
		})
		waitFor(t, 5*time.Second, "the racer's swap", func() bool {
			fi, err := os.Lstat(d.sock)
			return err == nil && fi.Mode()&fs.ModeSymlink != 0
		})
		close(stop)
		if n := <-raced; n == 0 {
			t.Fatal("the racer never placed its symlink")
		}
		fi, err := os.Stat(victim)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != nobody || st.Gid != nobody || fi.Mode().Perm() != 0o604 {
			t.Fatalf("try %d: the daemon changed the victim through a symlink: owner %d:%d mode %o", try, st.Uid, st.Gid, fi.Mode().Perm())
		}
		d.stop()
	}
	// Without the racer, the socket is root's, mode 0660, and serves.
	_ = os.Remove(d.sock)
	d.start(nil)
	fi, err := os.Lstat(d.sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSocket == 0 || fi.Mode().Perm() != 0o660 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Fatalf("socket %s: mode %v uid %d", d.sock, fi.Mode(), fi.Sys().(*syscall.Stat_t).Uid)
	}
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(d.sock), ".s*")); len(entries) != 0 {
		t.Fatalf("private socket dirs left behind: %v", entries)
	}
}

// TestPanicRecovered: a panic in a handler (BERTH_TEST_CRASH_AT=info-panic,
// GET /info) and in a goroutine a request started (archive-panic, the tar
// writer of GET /containers/{id}/archive) answers 500, is logged with its
// stack, and the daemon goes on serving.
func TestPanicRecovered(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	if out, code := d.docker("", "create", "--name", "bt-en-panic", "busybox", "true"); code != 0 {
		t.Fatalf("create: %d %s", code, out)
	}
	for _, c := range []struct{ point, path string }{
		{"info-panic", "/v1.41/info"},
		{"archive-panic", "/v1.41/containers/bt-en-panic/archive?path=/etc/passwd"},
	} {
		d.stop()
		before, _ := os.ReadFile(d.logPath)
		d.start([]string{"BERTH_TEST_CRASH_AT=" + c.point})
		for i := 0; i < 2; i++ {
			code, _, body := d.raw("GET", c.path, "")
			if code != 500 || !strings.Contains(body, "panic: test panic at "+c.point) {
				t.Fatalf("%s: %d %s", c.point, code, body)
			}
		}
		if code, _, body := d.raw("GET", "/v1.41/containers/json?all=1", ""); code != 200 || !strings.Contains(body, "bt-en-panic") {
			t.Fatalf("after %s: list %d %s", c.point, code, body)
		}
		if d.cmd.ProcessState != nil || syscall.Kill(d.cmd.Process.Pid, 0) != nil {
			t.Fatalf("the daemon ended after %s", c.point)
		}
		data, _ := os.ReadFile(d.logPath)
		logged := string(data[len(before):])
		if !strings.Contains(logged, "panic recovered") || !strings.Contains(logged, "test panic at "+c.point) || !strings.Contains(logged, "panicPoint") {
			t.Fatalf("%s: no panic with its stack in the log:\n%s", c.point, logged)
		}
	}
}
