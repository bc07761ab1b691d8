package integration

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth/berth/internal/testutil"
)

var berthBinary string

// raceBuild tells whether berthBinary was built with the race detector
// (make test-race): its processes then take several times the memory and
// CPU of the plain binary, so a test bounding either has to know.
var raceBuild = sync.OnceValue(func() bool {
	info, err := buildinfo.ReadFile(berthBinary)
	if err != nil {
		panic(fmt.Sprintf("read build info of %s: %v", berthBinary, err))
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
})

func TestMain(m *testing.M) {
	code := func() int {
		if os.Getenv(testutil.RootEnv) == "" {
			return m.Run() // every test skips
		}
		// Static, as the Makefile builds it: the binary is also the init
		// that --init mounts into containers.
		var err error
		if berthBinary, err = testutil.Berth(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer testutil.RemoveBuiltBerth()
		stop, err := besideOtherEngine(os.Getenv("BERTH_TEST_BESIDE"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer stop()
		defer removeCNIChains(cniChains())
		code := m.Run()
		reportLeftMounts()
		return code
	}()
	os.Exit(code)
}

// daemonTests maps each test daemon's name to the test that started it, so
// that whatever a daemon leaves behind can be traced to its test.
var daemonTests sync.Map

// reportLeftMounts prints every mount still under a test daemon's dirs at
// the end of the run, with the test that started the daemon.
func reportLeftMounts() {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.Contains(f[4], "/bt-en-") {
			continue
		}
		name := f[4][strings.Index(f[4], "/bt-en-")+1:]
		name = name[:min(len(name), len("bt-en-")+8)]
		test, _ := daemonTests.Load(name)
		fmt.Fprintf(os.Stderr, "left mounted after the run: %s (daemon %s of %v)\n", f[4], name, test)
	}
}

// besideOtherEngine prepares the host as another engine or firewall leaves
// it, for a whole run (BERTH_TEST_BESIDE): "docker" runs Debian's dockerd
// with its networking on the host (iptables FORWARD policy DROP,
// br_netfilter, its chains); "dropfw" adds an inet table whose forward
// chain drops by default, as ufw and firewalld do. "" changes nothing.
func besideOtherEngine(what string) (stop func(), err error) {
	switch what {
	case "":
		return func() {}, nil
	case "docker":
		h, err := testutil.StartHostDocker()
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(os.Stderr, "beside dockerd at", h.Host)
		return h.Stop, nil
	case "dropfw":
		remove, err := testutil.AddDropForward("bt-fwdrop")
		if err != nil {
			return nil, err
		}
		return func() { _ = remove() }, nil
	}
	return nil, fmt.Errorf("BERTH_TEST_BESIDE=%q: want docker or dropfw", what)
}

// testDaemon is one `berth daemon` under test.
type testDaemon struct {
	t        testing.TB
	name     string // bt-en-<hex>: socket dir, cgroup parent
	bridge   string // bt<hex>: default bridge, nft table, prefix of user bridges and veths
	sockDir  string
	sock     string
	root     string
	execRoot string
	cniDir   string // the CRI's CNI configurations (empty: berth writes its default)
	logPath  string
	args     []string
	cmd      *exec.Cmd
	client   *client.Client
	cli      string // the CLI d.docker runs: "docker" or the berth binary
	bin      string // the berth binary the daemon runs (berthBinary unless set)
}

// forEachCLI runs fn once through the real docker CLI and once through
// berth's own CLI, each against its own daemon: both CLIs must behave alike.
func forEachCLI(t *testing.T, fn func(t *testing.T, cli string)) {
	t.Run("docker", func(t *testing.T) { fn(t, "docker") })
	t.Run("berth", func(t *testing.T) { fn(t, berthBinary) })
}

// startDaemonCLI is startDaemon with d.docker running the given CLI.
func startDaemonCLI(t *testing.T, cli string) *testDaemon {
	t.Helper()
	d := startDaemon(t)
	d.cli = cli
	return d
}

// defaultRuntime is the daemon's default runtime in tests: berth's own
// (BERTH_TEST_RUNTIME=runc runs the same tests through Debian's runc).
func defaultRuntime() string {
	if r := os.Getenv("BERTH_TEST_RUNTIME"); r != "" {
		return r
	}
	return "berth"
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startDaemon starts a daemon with a fresh data root; cleanup removes every
// container, stops the daemon and removes its cgroups and dirs.
func startDaemon(t *testing.T) *testDaemon {
	t.Helper()
	d := newDaemon(t)
	d.start(nil)
	t.Cleanup(d.cleanup)
	return d
}

// newDaemon is startDaemon's daemon before its start: names, dirs,
// configuration file and arguments.
func newDaemon(t *testing.T) *testDaemon {
	t.Helper()
	testutil.RequireRoot(t)
	hexID := randHex(4)
	name := "bt-en-" + hexID
	daemonTests.Store(name, t.Name())
	sockDir, err := os.MkdirTemp("", name+"-")
	if err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	d := &testDaemon{
		t: t, name: name, bridge: "bt" + hexID, sockDir: sockDir, sock: filepath.Join(sockDir, "d.sock"),
		root: filepath.Join(base, "root"), execRoot: filepath.Join(sockDir, "x"), logPath: filepath.Join(base, "daemon.log"),
		cniDir: filepath.Join(base, "cni"),
	}
	cfgFile := filepath.Join(base, "daemon.json")
	cfg := `{"runtimes": {"runc": {"path": "runc"}, "crun": {"path": "crun"}, "alt": {"path": "runc", "runtimeArgs": ["--log-format", "json"]}}, "default-runtime": "` + defaultRuntime() + `"}`
	if defaultRuntime() == "berth" {
		cfg = `{"runtimes": {"runc": {"path": "runc"}, "crun": {"path": "crun"}, "alt": {"path": "runc", "runtimeArgs": ["--log-format", "json"]}}}`
	}
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	d.args = []string{"daemon", "-H", "unix://" + d.sock, "--data-root", d.root, "--exec-root", d.execRoot,
		"--config-file", cfgFile, "--cgroup-parent", "/" + name, "--pidfile", filepath.Join(sockDir, "pid"), "--bridge", d.bridge, "--cni-conf-dir", d.cniDir, "-D"}
	return d
}

// start runs the daemon binary with extra environment and waits for /_ping.
func (d *testDaemon) start(env []string) {
	d.t.Helper()
	logf, err := os.OpenFile(d.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		d.t.Fatal(err)
	}
	defer logf.Close()
	bin, args := d.bin, d.args
	if bin == "" {
		bin = berthBinary
		// make test-race: the daemon is a race build that runs the plain
		// binary as monitor, runtime and --init.
		if race := os.Getenv("BERTH_DAEMON_BINARY"); race != "" {
			bin, args = race, append(slices.Clip(args), "--helper-binary", berthBinary)
		}
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.cmd = cmd
	if d.client == nil {
		c, err := client.New(client.WithHost("unix://"+d.sock), client.WithAPIVersionNegotiation())
		if err != nil {
			d.t.Fatal(err)
		}
		d.client = c
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := d.client.Ping(ctx, client.PingOptions{})
		cancel()
		if err == nil {
			return
		}
		if cmd.ProcessState != nil || time.Now().After(deadline) {
			d.dumpLog()
			d.t.Fatalf("daemon did not come up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startExpectCrash runs the daemon with BERTH_TEST_CRASH_AT=point; the
// daemon kills itself when it gets there.
func (d *testDaemon) startExpectCrash(point string) {
	d.t.Helper()
	d.start([]string{"BERTH_TEST_CRASH_AT=" + point})
}

// waitExit waits for the daemon process to end (after a crash point).
func (d *testDaemon) waitExit(timeout time.Duration) {
	d.t.Helper()
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		d.t.Fatal("daemon did not exit")
	}
	d.cmd = nil
}

// kill9 SIGKILLs the daemon (its shims and containers live on).
func (d *testDaemon) kill9() {
	d.t.Helper()
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	_, _ = d.cmd.Process.Wait()
	d.cmd = nil
}

// stop ends the daemon with SIGTERM.
func (d *testDaemon) stop() {
	if d.cmd == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _, _ = d.cmd.Process.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
	d.cmd = nil
}

func (d *testDaemon) dumpLog() {
	data, _ := os.ReadFile(d.logPath)
	if len(data) > 8000 {
		data = data[len(data)-8000:]
	}
	d.t.Logf("daemon log:\n%s", data)
}

func (d *testDaemon) cleanup() {
	if d.t.Failed() {
		d.dumpLog()
	}
	if d.cmd == nil {
		d.start(nil) // bring it back to remove what the test left
	}
	if d.cmd != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if l, err := d.client.ContainerList(ctx, client.ContainerListOptions{All: true}); err == nil {
			for _, c := range l.Items {
				_, _ = d.client.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true})
			}
		}
		_, _ = d.client.NetworkPrune(ctx, client.NetworkPruneOptions{})
		cancel()
	}
	d.stop()
	// Whatever survived (a test that failed half-way): shims and containers
	// of this daemon only, found through its own state dirs.
	killShims(filepath.Join(d.execRoot, "s"))
	_ = filepath.WalkDir(d.execRoot, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.IsDir() && (e.Name() == "rootfs" || strings.HasPrefix(e.Name(), "image-")) { // image-N: an image mount
			_ = syscall.Unmount(p, syscall.MNT_DETACH)
		}
		return nil
	})
	_ = syscall.Unmount(filepath.Join(d.root, "snapshots"), syscall.MNT_DETACH)
	_ = syscall.Unmount(filepath.Join(d.execRoot, "init"), syscall.MNT_DETACH) // the sealed --init copy of a killed daemon
	removeNetworking(d.bridge, filepath.Join(d.execRoot, "netns"))
	removeCgroups("/" + d.name)
	d.checkRaces()
	_ = os.RemoveAll(d.sockDir)
	if d.client != nil {
		d.client.Close()
	}
}

// checkRaces fails the test when the daemon or its monitor reported a
// data race (a binary built with -race: make test-race).
func (d *testDaemon) checkRaces() {
	for _, p := range []string{d.logPath, filepath.Join(d.execRoot, "monitor", "monitor.log")} {
		data, _ := os.ReadFile(p)
		if i := bytes.Index(data, []byte("WARNING: DATA RACE")); i >= 0 {
			d.t.Errorf("%s reports a data race:\n%s", p, data[i:min(len(data), i+8000)])
		}
	}
}

// killShims SIGKILLs the container inits whose pid files are under dir
// (their shims then exit on their own or stay for the next daemon).
func killShims(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		for _, f := range []string{"init.pid"} {
			data, err := os.ReadFile(filepath.Join(dir, e.Name(), f))
			if err != nil {
				continue
			}
			var pid int
			if _, err := fmt.Sscan(strings.TrimSpace(string(data)), &pid); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// removeCgroups removes the test's cgroup parent, and the cgroups under
// it, in every hierarchy.
func removeCgroups(parent string) {
	roots, _ := filepath.Glob("/sys/fs/cgroup/*")
	roots = append(roots, "/sys/fs/cgroup")
	for _, r := range roots {
		var dirs []string
		_ = filepath.WalkDir(filepath.Join(r, parent), func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for _, p := range slices.Backward(dirs) { // children first
			_ = syscall.Rmdir(p)
		}
	}
}

// importBusybox imports a busybox rootfs as image busybox:latest through
// the API.
func (d *testDaemon) importBusybox() {
	d.t.Helper()
	dir := d.t.TempDir()
	testutil.BusyboxRootfs(d.t, dir)
	var buf bytes.Buffer
	if err := tarDir(&buf, dir); err != nil {
		d.t.Fatal(err)
	}
	ctx := context.Background()
	res, err := d.client.ImageImport(ctx, client.ImageImportSource{Source: &buf, SourceName: "-"}, "busybox:latest",
		client.ImageImportOptions{Changes: []string{`CMD ["sh"]`}})
	if err != nil {
		d.t.Fatalf("import busybox: %v", err)
	}
	_, _ = io.Copy(io.Discard, res)
	res.Close()
}

func tarDir(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		link := ""
		if fi.Mode()&os.ModeSymlink != 0 {
			link, _ = os.Readlink(p)
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		if fi.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// docker runs the daemon's CLI (docker unless set) against the daemon and returns its combined
// output and exit code.
func (d *testDaemon) docker(stdin string, args ...string) (string, int) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cli := d.cli
	if cli == "" {
		cli = "docker"
	}
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+d.sock, "BERTH_HOST=unix://"+d.sock, "DOCKER_CONFIG="+d.sockDir)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), exitCode(err)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
