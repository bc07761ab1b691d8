package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRegistryFaultsMidPull: a registry (a proxy in front of Debian's
// docker-registry) answers 500, or drops the connection before answering,
// on every request of the largest layer while the other layers download
// fine. The pull fails after its retries with an error that names the
// fault, lists no image, and leaves nothing half-made (no scratch file,
// snapshot or torn blob); once the registry behaves, the same pull
// succeeds, reuses what the failed one stored, and leaves no partial
// download. A fault on the first two requests of each layer only is
// retried within one pull.
func TestRegistryFaultsMidPull(t *testing.T) {
	reg := startRegistry(t, registryOpts{})
	d := startDaemonCLI(t, "docker")
	base := d.baseMounts()
	d.makeLayeredImage(reg.host+"/bt/faults:1", 256, 4096)
	d.mustCLI("push", reg.host+"/bt/faults:1")
	d.removeAllImages()
	proxy := startBlobProxy(t, reg.host)
	ref := proxy.host + "/bt/faults:1"
	for _, c := range []struct{ mode, want string }{
		{"500", "500 Internal Server Error"},
		{"drop", "EOF"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			d.t = t
			defer func() { d.t = t }()
			proxy.setMode(c.mode, 3<<20) // the 4 MiB layer only
			start := time.Now()
			out, code := d.docker("", "pull", ref)
			if code == 0 || !strings.Contains(out, c.want) {
				t.Fatalf("pull through a registry that fails with %s: exit %d:\n%s", c.mode, code, out)
			}
			t.Logf("pull failed after %v: %s", time.Since(start).Round(time.Millisecond), lastLine(out))
			if out := d.mustCLI("images", "-a", "-q"); strings.TrimSpace(out) != "" {
				t.Fatalf("images listed after a failed pull: %s", out)
			}
			d.checkNoHalfMade(t, base)
			proxy.setMode("", 0)
			if out := d.mustCLI("pull", ref); !strings.Contains(out, "Downloaded newer image") {
				t.Fatalf("pull once the registry behaves:\n%s", out)
			}
			d.checkPulled(t, ref)
			d.removeAllImages()
		})
	}
	t.Run("transient", func(t *testing.T) {
		d.t = t
		defer func() { d.t = t }()
		proxy.setModeTimes("500", 100<<10, 2) // layers (the config is fetched once, as dockerd does)
		if out := d.mustCLI("pull", ref); !strings.Contains(out, "Downloaded newer image") {
			t.Fatalf("pull through two 500s per blob:\n%s", out)
		}
		d.checkPulled(t, ref)
	})
}

// checkPulled runs the image pulled as ref and checks that the data root
// keeps one snapshot per layer and no partial download.
func (d *testDaemon) checkPulled(t *testing.T, ref string) {
	t.Helper()
	if out := d.mustCLI("run", "--rm", ref, "cat", "/l0", "/l1"); out != "layer0\nlayer1\n" {
		t.Fatalf("run of the pulled image: %q", out)
	}
	if left := dirEntries(filepath.Join(d.root, "distribution", "partial")); len(left) > 0 {
		t.Errorf("partial downloads left after a complete pull: %v", left)
	}
	layers := strings.Fields(d.mustCLI("image", "inspect", "-f", `{{range .RootFS.Layers}}{{.}} {{end}}`, ref))
	d.stop()
	keys := snapshotKeys(t, d.root)
	d.start(nil)
	if len(keys) != len(layers) {
		t.Errorf("%d snapshots for an image of %d layers: %v", len(keys), len(layers), keys)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// faultyRuntime writes an OCI runtime that runs runc and then, after a
// create (or run) runc completed, does what tail says; it writes its pid
// to pidFile first.
func faultyRuntime(t *testing.T, dir, name, tail string) (path, pidFile string) {
	t.Helper()
	path, pidFile = filepath.Join(dir, name), filepath.Join(dir, name+".pid")
	script := "#!/bin/sh\nverb=\nfor a; do case $a in create|run) verb=$a; break;; esac; done\n" +
		"runc \"$@\"; rc=$?\n" +
		"if [ -n \"$verb\" ]; then echo $$ > " + pidFile + "; " + tail + "; fi\nexit $rc\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, pidFile
}

// TestRuntimeCrashOrHang: an OCI runtime (a `runtimes` entry of
// daemon.json) that crashes (SIGSEGV) or hangs after runc created the
// container. `run` fails with the runtime's message, or after the
// monitor's timeout with one that says so; the runtime left nothing
// (no runtime state, no process, no cgroup of the container), `ps -a`
// shows the container created and not running, and a second start fails
// the same way instead of "already exists".
func TestRuntimeCrashOrHang(t *testing.T) {
	d := newDaemon(t)
	dir := t.TempDir()
	crash, crashPid := faultyRuntime(t, dir, "crash", "echo 'runtime crashed' >&2; kill -SEGV $$")
	hang, hangPid := faultyRuntime(t, dir, "hang", "exec sleep 3600")
	cfg := fmt.Sprintf(`{"runtimes": {"crash": {"path": %q}, "hang": {"path": %q}}}`, crash, hang)
	if err := os.WriteFile(filepath.Join(filepath.Dir(d.logPath), "daemon.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	d.start(nil)
	t.Cleanup(d.cleanup)
	d.importBusybox()
	for _, c := range []struct {
		runtime, pidFile, want string
		min, max               time.Duration
	}{
		{"crash", crashPid, "runtime crashed", 0, 10 * time.Second},
		{"hang", hangPid, "did not finish within 30s: killed", 30 * time.Second, 50 * time.Second},
	} {
		t.Run(c.runtime, func(t *testing.T) {
			d.t = t
			defer func() { d.t = t }()
			name := "bt-rt-" + c.runtime
			for i := 0; i < 2; i++ {
				start := time.Now()
				args := []string{"run", "--runtime", c.runtime, "--name", name, "busybox", "echo", "hi"}
				if i > 0 {
					args = []string{"start", name}
				}
				out, code := d.docker("", args...)
				took := time.Since(start)
				if code == 0 || !strings.Contains(out, c.want) {
					t.Fatalf("%s through a runtime that %ss: exit %d after %v:\n%s", args[0], c.runtime, code, took, out)
				}
				if took < c.min || took > c.max {
					t.Errorf("%s failed after %v, want between %v and %v", args[0], took, c.min, c.max)
				}
				t.Logf("%s failed after %v: %s", args[0], took.Round(time.Millisecond), strings.SplitN(out, "\n", 2)[0])
				d.checkNothingRuns(t, name, c.runtime, c.pidFile)
			}
			d.mustCLI("rm", name)
		})
	}
}

// checkNothingRuns: ps -a lists the container as created, it has no pid,
// the runtime lists no container, the runtime process that wrote pidFile
// is gone, and no cgroup of the container is left.
func (d *testDaemon) checkNothingRuns(t *testing.T, name, runtime, pidFile string) {
	t.Helper()
	if out := d.mustCLI("ps", "-a", "--filter", "name="+name, "--format", "{{.State}}"); strings.TrimSpace(out) != "created" {
		t.Errorf("ps -a shows %s as %q, want created", name, out)
	}
	id := d.mustCLI("inspect", "-f", "{{.Id}} {{.State.Running}} {{.State.Pid}}", name)
	fields := strings.Fields(id)
	if len(fields) != 3 || fields[1] != "false" || fields[2] != "0" {
		t.Errorf("inspect %s: %q, want not running and no pid", name, id)
	}
	if out, err := runCmd("runc", "--root", filepath.Join(d.execRoot, "runtimes", runtime), "list", "-q"); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("runc still lists a container: %v %q", err, out)
	}
	if data, err := os.ReadFile(pidFile); err == nil {
		pid := strings.TrimSpace(string(data))
		if st, err := os.ReadFile("/proc/" + pid + "/status"); err == nil && !strings.Contains(string(st), "State:\tZ") {
			t.Errorf("the runtime process %s still runs", pid)
		}
	}
	if left, _ := filepath.Glob("/sys/fs/cgroup/*/" + d.name + "/" + fields[0]); len(left) > 0 {
		t.Errorf("cgroups of the container left: %v", left)
	}
}

// TestMonitorTerm: the containers' monitor ended with SIGTERM keeps
// serving its containers (they run, exec works, ps says they are up),
// adopts a new one, records an exit as usual, and exits once no container
// is left; the next run brings up a new monitor.
func TestMonitorTerm(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	d.mustCLI("run", "-d", "--name", "bt-mt1", "busybox", "sleep", "300")
	d.mustCLI("run", "-d", "--name", "bt-mt2", "busybox", "sleep", "300")
	monitor := parentPid(t, strings.TrimSpace(d.mustCLI("inspect", "-f", "{{.State.Pid}}", "bt-mt1")))
	if err := syscall.Kill(monitor, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if !alive(monitor) {
		t.Fatal("the monitor exited on SIGTERM while it served two containers")
	}
	if out := d.mustCLI("ps", "--format", "{{.Names}} {{.State}}"); !strings.Contains(out, "bt-mt1 running") || !strings.Contains(out, "bt-mt2 running") {
		t.Fatalf("ps after SIGTERM to the monitor:\n%s", out)
	}
	if out := d.mustCLI("exec", "bt-mt1", "echo", "served"); out != "served\n" {
		t.Fatalf("exec: %q", out)
	}
	d.mustCLI("run", "-d", "--name", "bt-mt3", "busybox", "sleep", "300")
	if p := parentPid(t, strings.TrimSpace(d.mustCLI("inspect", "-f", "{{.State.Pid}}", "bt-mt3"))); p != monitor {
		t.Errorf("the container run after SIGTERM is monitored by %d, not by the draining monitor %d", p, monitor)
	}
	d.mustCLI("kill", "bt-mt1")
	waitFor(t, 10*time.Second, "bt-mt1's exit recorded", func() bool {
		out, _ := d.docker("", "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "bt-mt1")
		return out == "exited 137\n"
	})
	if !alive(monitor) {
		t.Fatal("the monitor exited while it served two containers")
	}
	d.mustCLI("rm", "-f", "bt-mt1", "bt-mt2", "bt-mt3")
	waitFor(t, 15*time.Second, "the drained monitor's exit", func() bool { return !alive(monitor) })
	if out := d.mustCLI("run", "--rm", "busybox", "echo", "new"); out != "new\n" {
		t.Fatalf("run after the monitor exited: %q", out)
	}
}

// alive says whether pid runs (a zombie does not).
func alive(pid int) bool {
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	return err == nil && !strings.Contains(string(st), "State:\tZ")
}
