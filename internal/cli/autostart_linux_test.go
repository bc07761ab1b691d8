package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth/berth/internal/testutil"
	"github.com/moby/moby/client"
	"golang.org/x/sys/unix"
)

// TestMain lets the test binary play "berth daemon" for the autostart test:
// os.Executable() is the test binary, so autoStart re-executes it with
// "daemon -H unix://… --data-root …".
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "daemon" {
		os.Exit(fakeDaemonMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// fakeDaemonMain answers /_ping on the -H socket after a short delay and
// writes its pid to <data-root>/pid.
func fakeDaemonMain(args []string) int {
	var host, root string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "-H":
			host = args[i+1]
		case "--data-root":
			root = args[i+1]
		case "--exec-root":
			os.MkdirAll(args[i+1], 0o700)
		}
	}
	os.WriteFile(filepath.Join(root, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o600)
	fmt.Println("fake daemon starting")
	time.Sleep(300 * time.Millisecond) // the CLI must wait for us
	l, err := net.Listen("unix", strings.TrimPrefix(host, "unix://"))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.51")
		w.Write([]byte("OK"))
	}))
	return 0
}

// rootTempDir is a fresh directory under /tmp, removed after the test,
// for the tests that must run as root.
func rootTempDir(t *testing.T, prefix string) string {
	t.Helper()
	testutil.RequireRoot(t)
	dir, err := os.MkdirTemp("/tmp", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// killDaemonAtCleanup kills, after the test, the daemon an autostart left
// running with its pid file in root.
func killDaemonAtCleanup(t *testing.T, root string) {
	t.Cleanup(func() {
		if b, err := os.ReadFile(filepath.Join(root, "pid")); err == nil {
			if pid, err := strconv.Atoi(string(b)); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
}

func TestAutoStartDaemon(t *testing.T) {
	dir := rootTempDir(t, "bt-cl-autostart-")
	host := "unix://" + filepath.Join(dir, "run", "berth.sock")
	root := filepath.Join(dir, "data")
	killDaemonAtCleanup(t, root)

	c := &CLI{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Env: func(k string) string {
		switch k {
		case "BERTH_HOST":
			return host
		case "BERTH_DATA_ROOT":
			return root
		}
		return ""
	}}
	start := time.Now()
	api, err := c.Client(context.Background())
	if err != nil {
		t.Fatalf("client with autostart: %v", err)
	}
	if _, err := api.Ping(context.Background(), client.PingOptions{}); err != nil {
		t.Fatalf("daemon not answering after autostart: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("autostart took %v", d)
	}
	b, err := os.ReadFile(filepath.Join(root, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(b))
	if sid, err := unix.Getsid(pid); err != nil || sid != pid {
		t.Errorf("daemon session id %d (err %v), want its own session %d", sid, err, pid)
	}
	if log, _ := os.ReadFile(filepath.Join(root, "berth.log")); !strings.Contains(string(log), "fake daemon starting") {
		t.Errorf("daemon log %q", log)
	}
	c.closeClient()
}

func TestWaitPingGivesUpWhenDaemonExits(t *testing.T) {
	api, err := client.New(client.WithHost("unix://" + filepath.Join(t.TempDir(), "none.sock")))
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	exited <- fmt.Errorf("exit status 1")
	start := time.Now()
	err = waitPing(context.Background(), api, exited, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "daemon exited before answering: exit status 1") {
		t.Fatalf("waitPing: %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("waitPing kept polling after the daemon exited")
	}
	err = waitPing(context.Background(), api, make(chan error), 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "wait for daemon") {
		t.Fatalf("waitPing timeout: %v", err)
	}
}

// TestAutoStartOtherSocketOwnDataRoot: a daemon started for a socket other
// than the default one, without BERTH_DATA_ROOT, keeps its data next to
// its socket (never in the default data root); BERTH_NO_AUTOSTART starts
// nothing.
func TestAutoStartOtherSocketOwnDataRoot(t *testing.T) {
	dir := rootTempDir(t, "bt-cl-autostart-")
	sock := filepath.Join(dir, "run", "berth.sock")
	env := map[string]string{"BERTH_HOST": "unix://" + sock, "BERTH_NO_AUTOSTART": "1"}
	c := &CLI{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Env: func(k string) string { return env[k] }}
	api, err := c.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Ping(context.Background(), client.PingOptions{}); err == nil {
		t.Fatal("a daemon answers although BERTH_NO_AUTOSTART is set")
	}
	c.closeClient()

	delete(env, "BERTH_NO_AUTOSTART")
	root := sock + ".data"
	killDaemonAtCleanup(t, root)
	c = &CLI{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Env: func(k string) string { return env[k] }}
	if _, err := c.Client(context.Background()); err != nil {
		t.Fatalf("client with autostart: %v", err)
	}
	defer c.closeClient()
	if _, err := os.Stat(filepath.Join(root, "pid")); err != nil {
		t.Fatalf("the daemon did not get the data root %s next to its socket: %v", root, err)
	}
	if _, err := os.Stat(filepath.Join(root, "berth.log")); err != nil {
		t.Fatalf("no daemon log in %s: %v", root, err)
	}
}

// TestRootOnlyDir: a socket dir is fit for a root daemon only when no other
// user owns it, or can write to it or to any directory above it (sticky
// /tmp aside), also through symlinks.
func TestRootOnlyDir(t *testing.T) {
	dir := rootTempDir(t, "bt-cl-rootonly-")
	mk := func(name string, mode os.FileMode, uid int) string {
		p := filepath.Join(dir, name)
		if err := os.Mkdir(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := mk("good", 0o755, 0)
	user := mk("user", 0o755, 65534)
	open := mk("open", 0o777, 0)
	sticky := mk("sticky", 0o777|os.ModeSticky, 0)
	if err := os.Symlink(user, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		good:                                 "",
		filepath.Join(good, "new", "deeper"): "",
		sticky:                               "",
		user:                                 "owned by uid 65534, not root",
		filepath.Join(user, "new"):           "owned by uid 65534, not root",
		open:                                 "writable by users other than root",
		filepath.Join(dir, "link"):           user + " is owned by uid 65534",
	} {
		err := rootOnlyDir(p)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", p, err, want)
		}
	}
}
