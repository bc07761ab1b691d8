package runtime_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestRlimits(t *testing.T) {
	r := newRT(t)
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &cur); err != nil {
		t.Fatal(err)
	}
	out := r.mustScript("bt-rt-rlimit", "ulimit -n; ulimit -Hn", func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 256, Hard: 512}}
	})
	if got := lines(out); len(got) != 2 || got[0] != "256" || got[1] != "512" {
		t.Fatalf("want soft 256 hard 512, got %q", out)
	}
	// Raising the hard limit above the current one needs CAP_SYS_RESOURCE,
	// which these machines lack: the error must name the limit.
	if hasCap(t, 24) {
		t.Log("CAP_SYS_RESOURCE present: raising is allowed here, skipping the refusal check")
		return
	}
	_, errs, code := r.runScript("bt-rt-rlimit2", "true", func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: cur.Max + 1, Hard: cur.Max + 1}}
	})
	if code == 0 || !strings.Contains(errs, "RLIMIT_NOFILE") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Fatalf("want a one-line error naming RLIMIT_NOFILE, got exit %d %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(r.root, "bt-rt-rlimit2")); !os.IsNotExist(err) {
		t.Fatal("state left behind after a failed create")
	}
}

func hasCap(t *testing.T, n uint) bool {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "CapEff:") {
			var v uint64
			for _, c := range strings.TrimSpace(l[7:]) {
				v = v<<4 | uint64(strings.IndexRune("0123456789abcdef", c))
			}
			return v&(1<<n) != 0
		}
	}
	return false
}

func TestHooksGetStateOnStdin(t *testing.T) {
	r := newRT(t)
	dir := t.TempDir()
	hook := func(name string) specs.Hook {
		return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > " + filepath.Join(dir, name)}}
	}
	b := bundle(t, "true", func(s *specs.Spec) {
		s.Annotations = map[string]string{"k": "v"}
		s.Hooks = &specs.Hooks{
			Prestart:        []specs.Hook{hook("prestart")},
			CreateRuntime:   []specs.Hook{hook("createRuntime")},
			CreateContainer: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > " + filepath.Join(dir, "createContainer")}}},
			Poststart:       []specs.Hook{hook("poststart")},
			Poststop:        []specs.Hook{hook("poststop")},
		}
	})
	r.must("run", "--bundle", b, "bt-rt-hooks")
	for _, name := range []string{"prestart", "createRuntime", "createContainer", "poststart", "poststop"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("hook %s did not run: %v", name, err)
			continue
		}
		var st specs.State
		if err := json.Unmarshal(data, &st); err != nil || st.ID != "bt-rt-hooks" || st.Bundle != b || st.Annotations["k"] != "v" {
			t.Errorf("hook %s: bad state %q", name, data)
		}
	}
}

func TestHookTimeoutFailsCreate(t *testing.T) {
	r := newRT(t)
	one := 1
	b := bundle(t, "true", func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "10"}, Timeout: &one}}}
	})
	_, errs, code := r.run("create", "--bundle", b, "bt-rt-hooktimeout")
	if code == 0 || !strings.Contains(errs, "timed out") {
		t.Fatalf("want a hook timeout, got exit %d %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(r.root, "bt-rt-hooktimeout")); !os.IsNotExist(err) {
		t.Fatal("state left behind after a failed create")
	}
}

// TestBadInputLeavesNothing: each bad config gives a one-line error naming
// the field, a non-zero exit, and no state directory or cgroup.
func TestBadInputLeavesNothing(t *testing.T) {
	r := newRT(t)
	cases := map[string]struct {
		mutate func(map[string]any)
		want   string
	}{
		"no ociVersion":   {func(c map[string]any) { delete(c, "ociVersion") }, "ociVersion"},
		"no process":      {func(c map[string]any) { delete(c, "process") }, "process"},
		"unknown ns":      {func(c map[string]any) { addNS(c, map[string]any{"type": "foo"}) }, "linux.namespaces"},
		"missing rootfs":  {func(c map[string]any) { c["root"].(map[string]any)["path"] = "nope" }, "root.path"},
		"unknown cap":     {func(c map[string]any) { setCaps(c, "CAP_BOGUS") }, "CAP_BOGUS"},
		"unknown syscall": {func(c map[string]any) { setSeccomp(c, "bogus_syscall") }, "bogus_syscall"},
		"overlapping ids": {func(c map[string]any) {
			addNS(c, map[string]any{"type": "user"})
			l := c["linux"].(map[string]any)
			l["uidMappings"] = []any{map[string]any{"containerID": 0, "hostID": 1000, "size": 10}, map[string]any{"containerID": 5, "hostID": 5000, "size": 10}}
			l["gidMappings"] = []any{map[string]any{"containerID": 0, "hostID": 1000, "size": 10}}
		}, "uidMappings"},
		"wrong type": {func(c map[string]any) { c["process"].(map[string]any)["args"] = "sh" }, "process.args"},
		"not a namespace": {func(c map[string]any) {
			for _, n := range c["linux"].(map[string]any)["namespaces"].([]any) {
				if ns := n.(map[string]any); ns["type"] == "network" {
					ns["path"] = "/etc/hostname"
				}
			}
		}, "/etc/hostname"},
		"not a mount namespace": {func(c map[string]any) {
			for _, n := range c["linux"].(map[string]any)["namespaces"].([]any) {
				if ns := n.(map[string]any); ns["type"] == "mount" {
					ns["path"] = "/etc/hostname"
				}
			}
		}, "/etc/hostname"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := bundle(t, "true", nil)
			var c map[string]any
			data, _ := os.ReadFile(filepath.Join(b, "config.json"))
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatal(err)
			}
			tc.mutate(c)
			data, _ = json.Marshal(c)
			if err := os.WriteFile(filepath.Join(b, "config.json"), data, 0o644); err != nil {
				t.Fatal(err)
			}
			checkRejected(t, r, b, tc.want)
		})
	}
	t.Run("malformed json", func(t *testing.T) {
		b := bundle(t, "true", nil)
		if err := os.WriteFile(filepath.Join(b, "config.json"), []byte("{\"ociVersion\": "), 0o644); err != nil {
			t.Fatal(err)
		}
		checkRejected(t, r, b, "config.json")
	})
}

func checkRejected(t *testing.T, r *rt, b, want string) {
	t.Helper()
	_, errs, code := r.run("create", "--bundle", b, "bt-rt-bad")
	if code == 0 {
		r.run("delete", "-f", "bt-rt-bad")
		t.Fatal("bad config accepted")
	}
	if !strings.Contains(errs, want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Fatalf("want one line naming %q, got %q", want, errs)
	}
	if ents, _ := os.ReadDir(r.root); len(ents) != 0 {
		t.Fatalf("state left behind: %v", ents)
	}
	for _, c := range []string{"/sys/fs/cgroup/pids/bt-rt-bad", "/sys/fs/cgroup/memory/bt-rt-bad", "/sys/fs/cgroup/bt-rt-bad", "/sys/fs/cgroup/pids/berth/bt-rt-bad", "/sys/fs/cgroup/berth/bt-rt-bad"} {
		if _, err := os.Stat(c); err == nil {
			t.Fatalf("cgroup %s left behind", c)
		}
	}
}

func addNS(c map[string]any, ns map[string]any) {
	l := c["linux"].(map[string]any)
	l["namespaces"] = append(l["namespaces"].([]any), ns)
}

func setCaps(c map[string]any, name string) {
	p := c["process"].(map[string]any)
	p["capabilities"] = map[string]any{"bounding": []any{name}}
}

func setSeccomp(c map[string]any, name string) {
	l := c["linux"].(map[string]any)
	l["seccomp"] = map[string]any{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []any{map[string]any{"names": []any{name}, "action": "SCMP_ACT_ERRNO"}}}
}

// TestSysctlWithReadonlyProcSys: sysctls are written before /proc/sys is
// made read-only, as Docker configs need (they set both).
func TestSysctlWithReadonlyProcSys(t *testing.T) {
	r := newRT(t)
	adj := 123
	out, errs, _ := r.runScript("bt-rt-sysctl", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start; cat /proc/self/oom_score_adj; echo 5 > /proc/sys/net/ipv4/ip_unprivileged_port_start && echo writable", func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_unprivileged_port_start": "0"}
		s.Process.OOMScoreAdj = &adj
	})
	if got := lines(out); len(got) != 2 || got[0] != "0" || got[1] != "123" {
		t.Fatalf("want sysctl 0, oom_score_adj 123 and a read-only /proc/sys, got %q (%s)", out, errs)
	}
}

// TestFailingPoststartPoststopHooksWarn: the spec says a failing poststart
// or poststop hook is a warning; the operation and later hooks go on.
func TestFailingPoststartPoststopHooksWarn(t *testing.T) {
	r := newRT(t)
	dir := t.TempDir()
	logPath := filepath.Join(dir, "log.json")
	b := bundle(t, "true", func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{
			Poststart: []specs.Hook{{Path: "/bin/false"}, {Path: "/bin/sh", Args: []string{"sh", "-c", "touch " + filepath.Join(dir, "after-poststart")}}},
			Poststop:  []specs.Hook{{Path: "/bin/false"}},
		}
	})
	if _, errs, code := r.run("--log", logPath, "--log-format", "json", "run", "--bundle", b, "bt-rt-hookwarn"); code != 0 {
		t.Fatalf("run failed: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "after-poststart")); err != nil {
		t.Fatal("the hook after the failing poststart hook did not run")
	}
	data, _ := os.ReadFile(logPath)
	if strings.Count(string(data), `"level":"warning"`) != 2 {
		t.Fatalf("want two warnings in the log, got %q", data)
	}
}

func TestPersonalityLinux32(t *testing.T) {
	r := newRT(t)
	out := r.mustScript("bt-rt-pers", "uname -m", func(s *specs.Spec) {
		s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
	})
	if got := strings.TrimSpace(out); got != "i686" && got != "i386" && got != "armv7l" && got != "armv8l" {
		t.Fatalf("want a 32-bit machine name under LINUX32, got %q", got)
	}
}

// TestDeleteKillsLeftovers: without a pid namespace a background process
// outlives the container's init; delete must not leave it (or the cgroup)
// behind.
func TestDeleteKillsLeftovers(t *testing.T) {
	r := newRT(t)
	marker := "bt-rt-leftover-" + filepath.Base(t.TempDir())
	out := r.mustScript("bt-rt-leftover", "exec -a "+marker+" sleep 100 & echo $!", func(s *specs.Spec) {
		var ns []specs.LinuxNamespace
		for _, n := range s.Linux.Namespaces {
			if n.Type != specs.PIDNamespace {
				ns = append(ns, n)
			}
		}
		s.Linux.Namespaces = ns
	})
	pid := strings.TrimSpace(out)
	if pid == "" {
		t.Fatal("no background pid")
	}
	data, err := os.ReadFile("/proc/" + pid + "/cmdline")
	if err == nil && strings.Contains(string(data), marker) {
		t.Fatalf("background process %s survived the container's delete", pid)
	}
}

// TestSmallAddressSpaceLimit: a small RLIMIT_AS must not starve the init
// (a Go program) between setting the limit and execve.
func TestSmallAddressSpaceLimit(t *testing.T) {
	r := newRT(t)
	out := r.mustScript("bt-rt-as", "ulimit -v", func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_AS", Soft: 256 << 20, Hard: 512 << 20}, {Type: "RLIMIT_NOFILE", Soft: 100, Hard: 200}}
	})
	if strings.TrimSpace(out) != "262144" {
		t.Fatalf("want ulimit -v 262144 (KiB), got %q", out)
	}
}

// TestBindMountFlags: ro, recursive read-only (rro) over a submount, and
// noexec on bind mounts.
func TestBindMountFlags(t *testing.T) {
	r := newRT(t)
	src := t.TempDir()
	sub := filepath.Join(src, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", sub, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(sub, unix.MNT_DETACH) })
	if err := os.WriteFile(filepath.Join(src, "tool"), []byte("#!/bin/sh\necho ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, errs, _ := r.runScript("bt-rt-bindflags", "touch /ro/x 2>/dev/null && echo ro-writable; touch /rro/sub/x 2>/dev/null && echo rro-sub-writable; touch /rw/sub/x && echo rw-sub-ok; /noexec/tool 2>/dev/null || echo noexec-ok", func(s *specs.Spec) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/ro", Type: "bind", Source: src, Options: []string{"rbind", "ro"}},
			specs.Mount{Destination: "/rro", Type: "bind", Source: src, Options: []string{"rbind", "rro"}},
			specs.Mount{Destination: "/rw", Type: "bind", Source: src, Options: []string{"rbind", "rw"}},
			specs.Mount{Destination: "/noexec", Type: "bind", Source: src, Options: []string{"bind", "noexec"}},
		)
	})
	if got := strings.Join(lines(out), ","); got != "rw-sub-ok,noexec-ok" {
		t.Fatalf("want only rw-sub-ok,noexec-ok, got %q (%s)", got, errs)
	}
}

// TestSessionKeyring: each container gets a session keyring of its own.
func TestSessionKeyring(t *testing.T) {
	r := newRT(t)
	out, errs, code := r.runScript("bt-rt-keyring", "cat /proc/keys 2>/dev/null | grep -c _ses.bt-rt-keyring || true", func(s *specs.Spec) {
		s.Linux.MaskedPaths = nil
	})
	if code != 0 || strings.TrimSpace(out) == "0" {
		t.Fatalf("want the container's own session keyring, got %q (exit %d, %s)", out, code, errs)
	}
}
