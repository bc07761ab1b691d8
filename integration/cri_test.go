package integration

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// crictlPath is where scripts/crictl.sh caches crictl.
const crictlPath = "/var/cache/berth-test/crictl"

// crictl runs crictl against d's CRI socket (<exec-root>/cri.sock) and
// returns its stdout, its stderr and its exit code.
func (d *testDaemon) crictl(args ...string) (string, string, int) {
	d.t.Helper()
	return d.crictlIn("", args...)
}

// crictlIn is crictl with stdin as its standard input.
func (d *testDaemon) crictlIn(stdin string, args ...string) (string, string, int) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := d.crictlCmd(ctx, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), exitCode(err)
}

// crictlCmd is the command of crictl with args on d's CRI socket.
func (d *testDaemon) crictlCmd(ctx context.Context, args ...string) *exec.Cmd {
	d.t.Helper()
	bin := cachedTool(d.t, "crictl.sh", crictlPath)
	ep := "unix://" + filepath.Join(d.execRoot, "cri.sock")
	// -t bounds each call too (2 s by default): a pod's CNI setup runs
	// the plugins' iptables, which waits for the host's xtables lock.
	return exec.CommandContext(ctx, bin, append([]string{"-c", "/dev/null", "-r", ep, "-i", ep, "-t", "50s"}, args...)...)
}

// criBusybox pushes busybox to a registry of its own and pulls it
// through crictl; it returns the image's reference.
func criBusybox(t *testing.T, d *testDaemon) string {
	t.Helper()
	reg := startRegistry(t, registryOpts{})
	d.importBusybox()
	ref := reg.host + "/busybox:cri"
	for _, args := range [][]string{{"tag", "busybox", ref}, {"push", ref}, {"rmi", ref}} {
		if out, code := d.docker("", args...); code != 0 {
			t.Fatalf("docker %v: %d %s", args, code, out)
		}
	}
	if out := d.mustCrictl("pull", ref); !strings.HasPrefix(out, "Image is up to date for sha256:") {
		t.Fatalf("crictl pull: %q", out)
	}
	return ref
}

// mustCrictl is crictl that fails the test unless crictl succeeds; it
// returns stdout, trimmed.
func (d *testDaemon) mustCrictl(args ...string) string {
	d.t.Helper()
	out, errOut, code := d.crictl(args...)
	if code != 0 {
		d.t.Fatalf("crictl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return strings.TrimSpace(out)
}

// A pod through crictl on berth's CRI socket: an image pulled from a
// registry, a sandbox with its hostname and DNS, a container in it with
// its command, env, working dir, user, read-only root and a bind mount,
// exec, logs in the CRI format, and a stop and removal of the pod; the
// Docker API's list never shows the CRI's containers.
func TestCRICrictlPod(t *testing.T) {
	d := startDaemon(t)
	ref := criBusybox(t, d)
	host, _, _ := strings.Cut(ref, "/")
	images := d.mustCrictl("images")
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(host+"/busybox") + `\s+cri\s+[0-9a-f]{13}\s`).MatchString(images) {
		t.Fatalf("crictl images does not list %s:\n%s", ref, images)
	}
	if out := d.mustCrictl("imagefsinfo"); !strings.Contains(out, filepath.Join(d.root, "snapshots")) {
		t.Fatalf("crictl imagefsinfo: %s", out)
	}
	if out := d.mustCrictl("info"); !strings.Contains(out, `"type": "RuntimeReady"`) {
		t.Fatalf("crictl info: %s", out)
	}

	dir := t.TempDir()
	logDir, data := filepath.Join(dir, "logs"), filepath.Join(dir, "data")
	mustWrite(t, filepath.Join(data, "note"), "from-host\n")
	mustWrite(t, filepath.Join(dir, "pod.json"), `{"metadata":{"name":"web","namespace":"default","uid":"uid-1","attempt":0},
		"hostname":"webhost","log_directory":"`+logDir+`","labels":{"app":"web"},
		"dns_config":{"servers":["10.9.9.9"],"searches":["example.test"]}}`)
	mustWrite(t, filepath.Join(dir, "ctr.json"), `{"metadata":{"name":"app"},"image":{"image":"`+ref+`"},
		"command":["sh","-c"],"args":["echo hello; echo oops >&2; exec sleep 1000"],
		"envs":[{"key":"GREETING","value":"hi"}],"working_dir":"/srv","log_path":"app/0.log",
		"mounts":[{"host_path":"`+data+`","container_path":"/data","readonly":true}],
		"linux":{"security_context":{"run_as_user":{"value":1000},"readonly_rootfs":true}}}`)

	pod := d.mustCrictl("runp", filepath.Join(dir, "pod.json"))
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(pod) {
		t.Fatalf("crictl runp: %q", pod)
	}
	if out := d.mustCrictl("pods"); !regexp.MustCompile(`(?m)^` + pod[:13] + `\s.*\sReady\s+web\s+default\s+0\s`).MatchString(out) {
		t.Fatalf("crictl pods:\n%s", out)
	}
	if out := d.mustCrictl("inspectp", pod); !strings.Contains(out, `"state": "SANDBOX_READY"`) || !regexp.MustCompile(`"ip": "\d+\.\d+\.\d+\.\d+"`).MatchString(out) {
		t.Fatalf("crictl inspectp:\n%s", out)
	}
	ctr := d.mustCrictl("create", pod, filepath.Join(dir, "ctr.json"), filepath.Join(dir, "pod.json"))
	d.mustCrictl("start", ctr)
	if out := d.mustCrictl("ps"); !regexp.MustCompile(`(?m)^` + ctr[:13] + `\s+` + regexp.QuoteMeta(ref) + `\s.*\sRunning\s+app\s+0\s+` + pod[:13] + `\s`).MatchString(out) {
		t.Fatalf("crictl ps:\n%s", out)
	}

	out := d.mustCrictl("exec", "-s", ctr, "sh", "-c", `echo $GREETING; hostname; pwd; id -u; cat /data/note; touch /x 2>/dev/null && echo rw || echo ro; grep -E "^(nameserver|search)" /etc/resolv.conf; cat /proc/1/comm`)
	// PID 1 is the pod's infra process: the pod shares one PID namespace
	// (the CRI's POD mode, unset in these configs).
	want := "hi\nwebhost\n/srv\n1000\nfrom-host\nro\nnameserver 10.9.9.9\nsearch example.test\ndocker-init"
	if out != want {
		t.Fatalf("crictl exec: got\n%s\nwant\n%s", out, want)
	}
	// crictl reports a command's failure as its own, with the code and
	// stderr the runtime answered.
	if _, errOut, code := d.crictl("exec", "-s", ctr, "sh", "-c", "echo bad >&2; exit 3"); code != 1 || !strings.Contains(errOut, `exited with 3: bad\n`) {
		t.Fatalf("crictl exec of exit 3: exit %d %s", code, errOut)
	}

	// The pod's containers share its /dev/shm, as its IPC namespace: a
	// tmpfs the daemon mounts in the infra's bundle until the pod stops.
	d.mustCrictl("exec", "-s", ctr, "sh", "-c", "echo shared >/dev/shm/note")
	mustWrite(t, filepath.Join(dir, "peer.json"), `{"metadata":{"name":"peer"},"image":{"image":"`+ref+`"},
		"command":["sleep","1000"],"log_path":"peer/0.log"}`)
	peer := d.mustCrictl("create", pod, filepath.Join(dir, "peer.json"), filepath.Join(dir, "pod.json"))
	d.mustCrictl("start", peer)
	if out := d.mustCrictl("exec", "-s", peer, "cat", "/dev/shm/note"); out != "shared" {
		t.Fatalf("the pod's /dev/shm seen from a second container: %q", out)
	}
	podShm := filepath.Join(d.execRoot, "b", pod, "shm")
	if !slices.Contains(d.mountsUnderRoots(), podShm) {
		t.Fatalf("no tmpfs at %s while the pod runs", podShm)
	}

	var stdout, stderr string
	waitFor(t, 10*time.Second, "the container's log", func() bool {
		var code int
		stdout, stderr, code = d.crictl("logs", ctr)
		return code == 0 && stdout == "hello\n" && stderr == "oops\n"
	})
	file, err := os.ReadFile(filepath.Join(logDir, "app", "0.log"))
	if err != nil {
		t.Fatal(err)
	}
	line := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (stdout F hello|stderr F oops)\n`
	if !regexp.MustCompile(`^` + line + line + `$`).Match(file) {
		t.Fatalf("CRI log file:\n%s", file)
	}

	if out, code := d.docker("", "ps", "-a", "-q"); code != 0 || strings.TrimSpace(out) != "" {
		t.Fatalf("docker ps -a lists the CRI's containers: %d %q", code, out)
	}
	// Unless asked for by their namespace: the infra and the two containers.
	out = d.mustDocker("ps", "-a", "--no-trunc", "-q", "--filter", "namespace=k8s.io")
	if ids := strings.Fields(out); len(ids) != 3 || !slices.Contains(ids, pod) || !slices.Contains(ids, ctr) || !slices.Contains(ids, peer) {
		t.Fatalf("docker ps --filter namespace=k8s.io: %q (pod %s, containers %s %s)", out, pod, ctr, peer)
	}

	// Live restore: the pod runs on across a restart of the daemon.
	d.stop()
	d.start(nil)
	if out := d.mustCrictl("ps"); !regexp.MustCompile(`(?m)^` + ctr[:13] + `\s.*\sRunning\s+app\s`).MatchString(out) {
		t.Fatalf("crictl ps after a restart:\n%s", out)
	}
	if out := d.mustCrictl("exec", "-s", ctr, "hostname"); out != "webhost" {
		t.Fatalf("crictl exec after a restart: %q", out)
	}

	d.mustCrictl("stopp", pod)
	if out := d.mustCrictl("pods"); !regexp.MustCompile(`(?m)^` + pod[:13] + `\s.*\sNotReady\s+web\s`).MatchString(out) {
		t.Fatalf("crictl pods after stopp:\n%s", out)
	}
	// The Docker API's prune leaves the CRI's stopped containers alone.
	if out, code := d.docker("", "container", "prune", "-f"); code != 0 {
		t.Fatalf("docker container prune: %d %s", code, out)
	}
	if out := d.mustCrictl("ps", "-a"); !regexp.MustCompile(`(?m)^` + ctr[:13] + `\s.*\sExited\s+app\s`).MatchString(out) {
		t.Fatalf("crictl ps -a after stopp and a docker prune:\n%s", out)
	}
	if slices.Contains(d.mountsUnderRoots(), podShm) {
		t.Fatalf("%s is still mounted after stopp", podShm)
	}
	d.mustCrictl("rmp", pod)
	if out := d.mustCrictl("pods", "-q"); out != "" {
		t.Fatalf("crictl pods after rmp: %q", out)
	}
	if out := d.mustCrictl("ps", "-a", "-q"); out != "" {
		t.Fatalf("crictl ps -a after rmp: %q", out)
	}
	d.mustCrictl("rmi", ref)
	if out := d.mustCrictl("images"); strings.Contains(out, host) {
		t.Fatalf("crictl images after rmi:\n%s", out)
	}

	// daemon.json's "cri-socket" moves the socket, "none" turns it off.
	moved := filepath.Join(d.sockDir, "k.sock")
	d.restartWithConfig(`"cri-socket": "` + moved + `"`)
	if _, err := os.Stat(filepath.Join(d.execRoot, "cri.sock")); !os.IsNotExist(err) {
		t.Fatalf("the default CRI socket after a move: %v", err)
	}
	out, errOut, code := d.crictl("-r", "unix://"+moved, "version")
	if code != 0 || !strings.Contains(out, "RuntimeName:  berth") {
		t.Fatalf("crictl version on the moved socket: %d %s%s", code, out, errOut)
	}
	d.restartWithConfig(`"cri-socket": "none"`)
	for _, p := range []string{moved, filepath.Join(d.execRoot, "cri.sock")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s with the CRI off: %v", p, err)
		}
	}
}
