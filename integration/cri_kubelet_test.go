package integration

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kubeletPath is where scripts/kubelet.sh caches the kubelet.
const kubeletPath = "/var/cache/berth-test/kubelet"

// kubeletTunables are the kernel settings the kubelet's container manager
// sets when they differ (vm.overcommit_memory=1, kernel.panic=10…); the
// test shows the kubelet these values, in its own mount namespace, so
// that it leaves the host's alone.
var kubeletTunables = map[string]string{
	"vm/overcommit_memory": "1", "vm/panic_on_oom": "0", "kernel/panic": "10", "kernel/panic_on_oops": "1",
	"kernel/keys/root_maxkeys": "1000000", "kernel/keys/root_maxbytes": "25000000",
}

// A real kubelet (scripts/kubelet.sh), standalone (no API server), on
// berth's CRI socket: it runs a static pod of busybox, restarts its
// container when it exits, and reports the pod's status and logs; the
// pod's cgroups are the kubelet's. Stopping the kubelet and removing the
// pod through crictl leaves nothing behind: no cgroups, no iptables
// chains of the kubelet's.
func TestCRIKubeletStaticPod(t *testing.T) {
	bin := cachedTool(t, "kubelet.sh", kubeletPath)
	chainsBefore, hostBefore := kubeChains(t), kubeletHostPaths()
	d := newDaemon(t)
	cgRoot := "/" + d.name + "-kubelet"
	makeCgroupRoot(t, cgRoot)
	t.Cleanup(func() { removeCgroups(cgRoot) })
	d.start(nil)
	t.Cleanup(d.cleanup)
	d.importBusybox()

	dir := t.TempDir()
	manifests, logs, ctl := filepath.Join(dir, "manifests"), filepath.Join(dir, "pod-logs"), filepath.Join(dir, "ctl")
	for _, p := range []string{manifests, logs, ctl} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The container says hello, then waits for the test to tell it to
	// exit with 3; each attempt removes the word.
	mustWrite(t, filepath.Join(manifests, "hello.yaml"), `apiVersion: v1
kind: Pod
metadata: {name: hello, namespace: default}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 1
  containers:
  - name: hello
    image: busybox
    imagePullPolicy: Never
    command: [sh, -c, 'echo hello from berth; until [ -e /ctl/exit ]; do sleep 0.2; done; rm /ctl/exit; exit 3']
    volumeMounts: [{name: ctl, mountPath: /ctl}]
  volumes: [{name: ctl, hostPath: {path: `+ctl+`, type: Directory}}]
`)
	port, roPort, healthz := freePort(t), freePort(t), freePort(t)
	cfg, _ := json.Marshal(map[string]any{
		"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
		"staticPodPath": manifests, "fileCheckFrequency": "1s", "podLogsDir": logs,
		"volumePluginDir": filepath.Join(dir, "volume-plugins"),
		// berth's RuntimeConfig answers cgroupfs; the pods' cgroups go
		// under the test's own root. The host has cgroup v1 (hybrid).
		"cgroupDriver": "cgroupfs", "cgroupRoot": cgRoot, "failCgroupV1": false, "failSwapOn": false,
		"address": "127.0.0.1", "port": port, "readOnlyPort": roPort, "healthzBindAddress": "127.0.0.1", "healthzPort": healthz,
		"authentication": map[string]any{"anonymous": map[string]bool{"enabled": true}, "webhook": map[string]bool{"enabled": false}},
		"authorization":  map[string]string{"mode": "AlwaysAllow"},
		// No KUBE-* iptables chains: the kubelet makes them for kube-proxy.
		"makeIPTablesUtilChains": false,
		// Other users of the disk must not evict the test's pod.
		"evictionHard": map[string]string{"memory.available": "1Mi", "nodefs.available": "1%", "imagefs.available": "1%", "nodefs.inodesFree": "1%"},
	})
	mustWrite(t, filepath.Join(dir, "kubelet.json"), string(cfg))
	kl := startKubelet(t, bin, dir, "--config", filepath.Join(dir, "kubelet.json"), "--root-dir", filepath.Join(dir, "root"),
		"--cert-dir", filepath.Join(dir, "pki"), "--hostname-override", "berth-node",
		"--container-runtime-endpoint", "unix://"+filepath.Join(d.execRoot, "cri.sock"), "--v", "2")

	// The sandbox, then the container's first attempt, run.
	var pod string
	waitFor(t, 3*time.Minute, "the static pod's sandbox", func() bool {
		kl.alive()
		pod, _, _ = d.crictl("pods", "-q", "--name", "hello-berth-node", "--state", "ready")
		pod = strings.TrimSpace(pod)
		return pod != ""
	})
	if n := len(strings.Fields(pod)); n != 1 {
		t.Fatalf("%d ready sandboxes of the static pod: %q", n, pod)
	}
	first := kubeletAttempt(t, d, kl, pod, 0)
	// Its cgroup is in the pod's, which the kubelet made under its root
	// (the sandbox's cgroup_parent).
	if procs := cgroupProcs(t, filepath.Join("/sys/fs/cgroup/memory", cgRoot, "kubepods/besteffort/pod*", first)); procs == "" {
		t.Fatalf("no process in the container's cgroup under the kubelet's pod cgroup")
	}

	// The container exits with 3; the kubelet starts attempt 1.
	mustWrite(t, filepath.Join(ctl, "exit"), "")
	second := kubeletAttempt(t, d, kl, pod, 1)
	if out := d.mustCrictl("ps", "-a", "--pod", pod, "-q"); len(strings.Fields(out)) != 2 {
		t.Fatalf("crictl ps -a: want attempts 0 and 1:\n%s", out)
	}

	// The kubelet's status of the pod: running, restarted once after an
	// exit with 3.
	var status string
	waitFor(t, time.Minute, "the kubelet's status of the restarted container", func() bool {
		kl.alive()
		status = kubeletGet(t, fmt.Sprintf("http://127.0.0.1:%d/pods", roPort))
		return regexp.MustCompile(`"restartCount":1\b`).MatchString(status) && strings.Contains(status, `"running":{"startedAt"`) &&
			regexp.MustCompile(`"lastState":\{"terminated":\{"exitCode":3,`).MatchString(status)
	})
	if !strings.Contains(status, `"containerID":"berth://`+second) || !strings.Contains(status, `"image":"busybox"`) {
		t.Fatalf("the kubelet's status lacks the container berth://%s:\n%s", second, status)
	}
	// Its logs: the kubelet's own log files (one per attempt, the line
	// written once the container's shell runs) and its containerLogs.
	var files []string
	waitFor(t, time.Minute, "the line in the log files of attempts 0 and 1 under the kubelet's podLogsDir", func() bool {
		files, _ = filepath.Glob(filepath.Join(logs, "default_hello-berth-node_*", "hello", "*.log"))
		slices.Sort(files)
		if len(files) != 2 || filepath.Base(files[0]) != "0.log" || filepath.Base(files[1]) != "1.log" {
			return false
		}
		for _, f := range files {
			if b, _ := os.ReadFile(f); !regexp.MustCompile(`^\S+ stdout F hello from berth\n$`).Match(b) {
				return false
			}
		}
		return true
	})
	if out := kubeletGet(t, fmt.Sprintf("https://127.0.0.1:%d/containerLogs/default/hello-berth-node/hello", port)); out != "hello from berth\n" {
		t.Fatalf("the kubelet's containerLogs: %q", out)
	}
	if out := kubeletGet(t, fmt.Sprintf("https://127.0.0.1:%d/containerLogs/default/hello-berth-node/hello?previous=true", port)); out != "hello from berth\n" {
		t.Fatalf("the kubelet's containerLogs of the previous attempt: %q", out)
	}
	if out := d.mustCrictl("logs", first); out != "hello from berth" {
		t.Fatalf("crictl logs of attempt 0: %q", out)
	}

	// Stopped, the kubelet leaves the pod to the runtime, which removes it.
	kl.stop()
	d.mustCrictl("rmp", "-f", pod)
	if out := d.mustCrictl("pods", "-q"); out != "" {
		t.Fatalf("crictl pods after rmp: %q", out)
	}
	if after := kubeChains(t); after != chainsBefore {
		t.Errorf("iptables chains KUBE-*: %q before the kubelet, %q after", chainsBefore, after)
	}
	if after := kubeletHostPaths(); after != hostBefore {
		t.Errorf("the host's paths of a kubelet: %q before, %q after", hostBefore, after)
	}
	// The kubelet's cgroups are empty: they go. Its mounts were in its
	// own namespace.
	removeCgroups(cgRoot)
	if left, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup/*", cgRoot)); len(left) != 0 {
		t.Errorf("cgroups left after the pod's removal: %q", left)
	}
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mi), dir) {
		t.Errorf("mounts under %s left:\n%s", dir, mi)
	}
}

// kubelet is a running kubelet.
type kubelet struct {
	t    *testing.T
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// startKubelet runs the kubelet with args in a mount namespace of its
// own, where /var/log and /var/lib are dir's (whatever its flags, it makes
// /var/log/containers and /var/lib/kubelet/device-plugins) and the kernel
// settings it wants read as it wants them; its log is dir's kubelet.log.
// Cleanup stops it.
func startKubelet(t *testing.T, bin, dir string, args ...string) *kubelet {
	t.Helper()
	varLog, varLib, sysctls := filepath.Join(dir, "var-log"), filepath.Join(dir, "var-lib"), filepath.Join(dir, "sysctl")
	script := "set -e; mount --bind " + varLog + " /var/log; mount --bind " + varLib + " /var/lib; "
	for k, v := range kubeletTunables {
		f := filepath.Join(sysctls, strings.ReplaceAll(k, "/", "."))
		mustWrite(t, f, v+"\n")
		script += "mount --bind " + f + " /proc/sys/" + k + "; "
	}
	for _, p := range []string{varLog, varLib} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	kl := &kubelet{t: t, log: filepath.Join(dir, "kubelet.log"), done: make(chan struct{})}
	logf, err := os.Create(kl.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	kl.cmd = exec.Command("unshare", append([]string{"--mount", "--propagation", "slave", "sh", "-c", script + `exec "$@"`, "kubelet", bin}, args...)...)
	kl.cmd.Stdout, kl.cmd.Stderr = logf, logf
	if err := kl.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = kl.cmd.Wait(); close(kl.done) }()
	t.Cleanup(func() {
		kl.stop()
		if t.Failed() {
			t.Logf("the kubelet's log:\n%s", kl.tail())
		}
	})
	return kl
}

// alive fails the test when the kubelet has exited, with its log.
func (kl *kubelet) alive() {
	kl.t.Helper()
	select {
	case <-kl.done:
		kl.t.Fatalf("the kubelet exited: %v\n%s", kl.cmd.ProcessState, kl.tail())
	default:
	}
}

// tail is the end of the kubelet's log.
func (kl *kubelet) tail() string {
	b, _ := os.ReadFile(kl.log)
	return string(b[max(0, len(b)-8000):])
}

// stop ends the kubelet (SIGTERM, SIGKILL after 30 s) and waits for it.
func (kl *kubelet) stop() {
	select {
	case <-kl.done:
		return
	default:
	}
	_ = kl.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-kl.done:
	case <-time.After(30 * time.Second):
		_ = kl.cmd.Process.Kill()
		<-kl.done
	}
}

// kubeletAttempt waits for attempt n of the pod's container to run and
// returns its ID.
func kubeletAttempt(t *testing.T, d *testDaemon, kl *kubelet, pod string, n int) string {
	t.Helper()
	var id, out string
	waitFor(t, 3*time.Minute, "attempt "+strconv.Itoa(n)+" of the static pod's container running", func() bool {
		kl.alive()
		out, _, _ = d.crictl("ps", "-a", "--pod", pod, "-o", "json")
		var l struct {
			Containers []struct {
				ID       string
				Metadata struct {
					Name    string
					Attempt int
				}
				State string
			}
		}
		_ = json.Unmarshal([]byte(out), &l)
		for _, c := range l.Containers {
			if c.Metadata.Name == "hello" && c.Metadata.Attempt == n && c.State == "CONTAINER_RUNNING" {
				id = c.ID
				return true
			}
		}
		return false
	})
	return id
}

// cgroupProcs is the cgroup.procs of the one cgroup that pattern
// matches.
func cgroupProcs(t *testing.T, pattern string) string {
	t.Helper()
	dirs, _ := filepath.Glob(pattern)
	if len(dirs) != 1 {
		t.Fatalf("cgroups %s: %q", pattern, dirs)
	}
	b, err := os.ReadFile(filepath.Join(dirs[0], "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// kubeletGet is the body of a GET of the kubelet's url (its own
// certificate, not checked).
func kubeletGet(t *testing.T, url string) string {
	t.Helper()
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", url, resp.StatusCode, err, b)
	}
	return string(b)
}

// makeCgroupRoot makes the cgroup p in every hierarchy (cpuset's with
// its parent's CPUs and memory nodes), as the kubelet wants its root.
func makeCgroupRoot(t *testing.T, p string) {
	t.Helper()
	roots, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, r := range roots {
		if err := os.Mkdir(filepath.Join(r, p), 0o755); err != nil && !os.IsExist(err) {
			t.Fatal(err)
		}
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			if v, err := os.ReadFile(filepath.Join(r, f)); err == nil {
				if err := os.WriteFile(filepath.Join(r, p, f), v, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// kubeletHostPaths are those of the kubelet's default paths on the host
// that exist.
func kubeletHostPaths() string {
	var out []string
	for _, p := range []string{"/var/lib/kubelet", "/var/log/containers", "/var/log/pods", "/etc/kubernetes"} {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// kubeChains are the iptables and ip6tables chains named KUBE-*.
func kubeChains(t *testing.T) string {
	t.Helper()
	var out []string
	for _, tool := range []string{"iptables-save", "ip6tables-save"} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		b, err := exec.CommandContext(ctx, tool).Output()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		out = append(out, regexp.MustCompile(`(?m)^:KUBE-\S+`).FindAllString(string(b), -1)...)
	}
	return strings.Join(out, " ")
}
