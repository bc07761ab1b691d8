package runtime_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestRunPID1AndHostname(t *testing.T) {
	r := newRT(t)
	out := r.mustScript("bt-rt-pid1", "echo $$; hostname", nil)
	if got := lines(out); len(got) != 2 || got[0] != "1" || got[1] != "bt-rt-host" {
		t.Fatalf("want pid 1 and hostname bt-rt-host, got %q", out)
	}
}

func TestRunExitCode(t *testing.T) {
	r := newRT(t)
	if _, errs, code := r.runScript("bt-rt-exit", "exit 42", nil); code != 42 {
		t.Fatalf("want exit 42, got %d (%s)", code, errs)
	}
	if _, _, code := r.run("state", "bt-rt-exit"); code == 0 {
		t.Fatal("run must delete the container after it exits")
	}
}

func TestNamespacesDifferFromHost(t *testing.T) {
	r := newRT(t)
	types := []string{"pid", "net", "ipc", "uts", "mnt", "cgroup", "user", "time"}
	script := ""
	for _, ty := range types {
		script += "readlink /proc/self/ns/" + ty + "; "
	}
	out := r.mustScript("bt-rt-ns", script, func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace}, specs.LinuxNamespace{Type: specs.TimeNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	})
	got := lines(out)
	if len(got) != len(types) {
		t.Fatalf("want %d namespace links, got %q", len(types), out)
	}
	for i, ty := range types {
		host, err := os.Readlink("/proc/self/ns/" + ty)
		if err != nil {
			t.Fatal(err)
		}
		if got[i] == host || !strings.HasPrefix(got[i], strings.SplitN(host, ":", 2)[0]) {
			t.Errorf("namespace %s: container %q, host %q: want a different one", ty, got[i], host)
		}
	}
}

func TestLifecycleCreateStartKillDelete(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "sleep 100", func(s *specs.Spec) {
		s.Annotations = map[string]string{"org.berth.test": "yes"}
	})
	pidFile := filepath.Join(t.TempDir(), "pid")
	r.cleanup("bt-rt-life")
	r.must("create", "--bundle", b, "--pid-file", pidFile, "bt-rt-life")
	st := r.state("bt-rt-life")
	data, _ := os.ReadFile(pidFile)
	if st.Status != "created" || strconv.Itoa(st.Pid) != string(data) || st.Annotations["org.berth.test"] != "yes" || st.Bundle != b {
		t.Fatalf("after create: state %+v, pid file %q", st, data)
	}
	r.must("start", "bt-rt-life")
	if st := r.state("bt-rt-life"); st.Status != "running" {
		t.Fatalf("after start: status %s", st.Status)
	}
	if _, _, code := r.run("start", "bt-rt-life"); code == 0 {
		t.Fatal("starting a running container must fail")
	}
	if _, _, code := r.run("delete", "bt-rt-life"); code == 0 {
		t.Fatal("deleting a running container without --force must fail")
	}
	out := r.must("exec", "bt-rt-life", "sh", "-c", "echo from-exec")
	if strings.TrimSpace(out) != "from-exec" {
		t.Fatalf("exec output %q", out)
	}
	if _, _, code := r.run("exec", "bt-rt-life", "sh", "-c", "exit 3"); code != 3 {
		t.Fatalf("exec exit code: want 3, got %d", code)
	}
	r.must("kill", "bt-rt-life", "KILL")
	waitStatus(t, r, "bt-rt-life", "stopped")
	r.must("delete", "bt-rt-life")
	if _, err := os.Stat(filepath.Join(r.root, "bt-rt-life")); !os.IsNotExist(err) {
		t.Fatalf("state directory left after delete: %v", err)
	}
}

func waitStatus(t *testing.T, r *rt, id, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := r.state(id)
		if string(st.Status) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s: status %s, want %s", id, st.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMemoryLimitOOMKills(t *testing.T) {
	r := newRT(t)
	limit := int64(32 << 20)
	out := r.mustScript("bt-rt-oom", "tail /dev/zero; echo status=$?", func(s *specs.Spec) {
		s.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &limit}
	})
	if strings.TrimSpace(out) != "status=137" {
		t.Fatalf("want the memory hog SIGKILLed (status=137), got %q", out)
	}
}

func TestPidsLimitStopsForkBomb(t *testing.T) {
	r := newRT(t)
	limit := int64(10)
	b := bundle(t, "sleep 100", func(s *specs.Spec) {
		s.Linux.Resources.Pids = &specs.LinuxPids{Limit: &limit}
	})
	r.runDetached(b, "bt-rt-pids")
	_, errs, code := r.run("exec", "bt-rt-pids", "sh", "-c", "i=0; while [ $i -lt 100 ]; do sleep 100 & i=$((i+1)); done; echo all-started")
	if code == 0 || !strings.Contains(errs, "fork") {
		t.Fatalf("want the fork bomb stopped by the pids limit, got exit %d, stderr %q", code, errs)
	}
	var pids []int
	if err := json.Unmarshal([]byte(r.must("ps", "--format", "json", "bt-rt-pids")), &pids); err != nil {
		t.Fatal(err)
	}
	if len(pids) > 10 || len(pids) < 2 {
		t.Fatalf("want 2..10 processes in the container, got %d", len(pids))
	}
}

func TestCapSysAdminForHostname(t *testing.T) {
	r := newRT(t)
	// default caps: no CAP_SYS_ADMIN
	if out, _, code := r.runScript("bt-rt-nocap", "hostname changed && hostname", nil); code == 0 {
		t.Fatalf("hostname must fail without CAP_SYS_ADMIN, got %q", out)
	}
	out := r.mustScript("bt-rt-cap", "hostname changed && hostname", func(s *specs.Spec) {
		c := s.Process.Capabilities
		c.Bounding = append(c.Bounding, "CAP_SYS_ADMIN")
		c.Effective = append(c.Effective, "CAP_SYS_ADMIN")
		c.Permitted = append(c.Permitted, "CAP_SYS_ADMIN")
	})
	if strings.TrimSpace(out) != "changed" {
		t.Fatalf("with CAP_SYS_ADMIN: got %q", out)
	}
}

func TestSeccompDeniesSyscall(t *testing.T) {
	r := newRT(t)
	eperm := uint(1)
	out, errs, _ := r.runScript("bt-rt-seccomp", "mkdir /tmp/denied; echo rc=$?; ls -d /tmp/denied", func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Architectures: []specs.Arch{specs.ArchX86_64},
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eperm}},
		}
	})
	if !strings.Contains(out, "rc=1") || !strings.Contains(errs, "Operation not permitted") {
		t.Fatalf("want mkdir denied with EPERM, got %q / %q", out, errs)
	}
}

func TestReadonlyRootfs(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "touch /file; echo rc=$?; touch /tmp/ok 2>/dev/null; true", func(s *specs.Spec) {
		s.Root.Readonly = true
	})
	out, errs, _ := r.run("run", "--bundle", b, "bt-rt-ro")
	if !strings.Contains(out, "rc=1") || !strings.Contains(errs, "Read-only file system") {
		t.Fatalf("want writes to / refused, got %q / %q", out, errs)
	}
	if _, err := os.Stat(filepath.Join(b, "rootfs/file")); err == nil {
		t.Fatal("file written through a read-only root")
	}
}

func TestUserNamespaceMapsRoot(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "id -u; sleep 100", func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 123000, Size: 1000}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 123000, Size: 1000}}
	})
	r.cleanup("bt-rt-userns")
	r.must("create", "--bundle", b, "bt-rt-userns")
	st := r.state("bt-rt-userns")
	r.must("start", "bt-rt-userns")
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", st.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "Uid:") {
			if f := strings.Fields(l); len(f) < 2 || f[1] != "123000" {
				t.Fatalf("container uid 0 should be host uid 123000: %q", l)
			}
			out := r.must("exec", "bt-rt-userns", "id", "-u")
			if strings.TrimSpace(out) != "0" {
				t.Fatalf("uid inside: %q", out)
			}
			return
		}
	}
	t.Fatal("no Uid line")
}

func TestPauseResume(t *testing.T) {
	r := newRT(t)
	b := bundle(t, "while true; do echo -n x >> /tmp/n; done", nil)
	if _, err := os.Stat(filepath.Join(b, "rootfs/tmp")); err != nil {
		t.Fatal(err)
	}
	r.runDetached(b, "bt-rt-pause")
	counter := func() int {
		fi, err := os.Stat(filepath.Join(b, "rootfs/tmp/n"))
		if err != nil {
			t.Fatal(err)
		}
		return int(fi.Size())
	}
	time.Sleep(100 * time.Millisecond)
	r.must("pause", "bt-rt-pause")
	if st := r.state("bt-rt-pause"); st.Status != "paused" {
		t.Fatalf("after pause: %s", st.Status)
	}
	time.Sleep(50 * time.Millisecond)
	n1 := counter()
	time.Sleep(200 * time.Millisecond)
	if n2 := counter(); n2 != n1 {
		t.Fatalf("counter moved while paused: %d -> %d", n1, n2)
	}
	r.must("resume", "bt-rt-pause")
	time.Sleep(200 * time.Millisecond)
	if n3 := counter(); n3 <= n1 {
		t.Fatalf("counter did not move after resume: %d -> %d", n1, n3)
	}
	if st := r.state("bt-rt-pause"); st.Status != "running" {
		t.Fatalf("after resume: %s", st.Status)
	}
}

// TestJoinNamespacesByPath: a second container joins the first one's
// network, pid, ipc and uts namespaces through their /proc paths (the pid
// namespace on a locked thread before fork, the others in the nsenter
// constructor).
func TestJoinNamespacesByPath(t *testing.T) {
	r := newRT(t)
	a := bundle(t, "sleep 100", nil)
	r.runDetached(a, "bt-rt-nsa")
	pa := r.state("bt-rt-nsa").Pid
	out := r.mustScript("bt-rt-nsb", "hostname; ps -o pid,comm | grep -c sleep; readlink /proc/self/ns/net", func(s *specs.Spec) {
		s.Hostname = ""
		for i, ns := range s.Linux.Namespaces {
			switch ns.Type {
			case specs.NetworkNamespace, specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace:
				s.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/%s", pa, nsFile(ns.Type))
			}
		}
	})
	netA, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pa))
	if err != nil {
		t.Fatal(err)
	}
	got := lines(out)
	if len(got) != 3 || got[0] != "bt-rt-host" || got[1] != "1" || got[2] != netA {
		t.Fatalf("want the first container's hostname, its sleep visible and its netns %s, got %q", netA, out)
	}
}

func nsFile(t specs.LinuxNamespaceType) string {
	if t == specs.NetworkNamespace {
		return "net"
	}
	return string(t)
}

// TestNewUserNamespaceJoiningNetns: a new user namespace on top of joined
// network and uts namespaces owned by the host's user namespace (the
// daemon's usual netns-by-path plus user namespace remapping).
func TestNewUserNamespaceJoiningNetns(t *testing.T) {
	r := newRT(t)
	a := bundle(t, "sleep 100", nil)
	r.runDetached(a, "bt-rt-una")
	pa := r.state("bt-rt-una").Pid
	b := bundle(t, "id -u; hostname; readlink /proc/self/ns/net; cat /proc/self/uid_map", func(s *specs.Spec) {
		s.Hostname = ""
		for i, ns := range s.Linux.Namespaces {
			switch ns.Type {
			case specs.NetworkNamespace, specs.UTSNamespace:
				s.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/%s", pa, nsFile(ns.Type))
			}
		}
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 140000, Size: 65536}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 140000, Size: 65536}}
	})
	netA, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pa))
	check := func(out, what string) {
		t.Helper()
		got := lines(out)
		if len(got) != 4 || got[0] != "0" || got[1] != "bt-rt-host" || got[2] != netA || !strings.Contains(got[3], "140000") {
			t.Fatalf("%s: want root mapped to 140000 in the first container's net and uts namespaces, got %q", what, out)
		}
	}
	check(r.must("run", "--bundle", b, "bt-rt-unb"), "run")
	// exec must get into the same set: the user namespace is the
	// container's, the network namespace is owned by the host's.
	b2 := bundle(t, "sleep 100", func(s *specs.Spec) {
		data, _ := os.ReadFile(filepath.Join(b, "config.json"))
		_ = json.Unmarshal(data, s)
		s.Root.Path = "rootfs"
		s.Hostname = ""
		s.Process.Args = []string{"sleep", "100"}
	})
	r.runDetached(b2, "bt-rt-unc")
	check(r.must("exec", "bt-rt-unc", "sh", "-c", "id -u; hostname; readlink /proc/self/ns/net; cat /proc/self/uid_map"), "exec")
}

// TestRunForwardsSignals: a foreground run relays the signals it receives
// to the container's process, which traps SIGUSR1 and exits.
func TestRunForwardsSignals(t *testing.T) {
	r := newRT(t)
	b := bundle(t, `trap "echo got-usr1; exit 0" USR1; echo ready; while true; do sleep 0.1; done`, nil)
	cmd, out, done := r.start("run", "--bundle", b, "bt-rt-sig")
	if !out.WaitFor("ready", 10*time.Second) {
		cmd.Process.Kill()
		t.Fatalf("container not ready: %q", out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil || !strings.Contains(out.String(), "got-usr1") {
			t.Fatalf("run ended with %v, output %q; want the trap's output and exit 0", err, out.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("SIGUSR1 not relayed: output %q", out.String())
	}
}
