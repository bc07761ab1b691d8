package oci

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func mountAt(s *specs.Spec, dst string) *specs.Mount {
	for i := range s.Mounts {
		if s.Mounts[i].Destination == dst {
			return &s.Mounts[i]
		}
	}
	return nil
}

func hasNS(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	for _, n := range s.Linux.Namespaces {
		if n.Type == t {
			return true
		}
	}
	return false
}

func TestGenerateDefaults(t *testing.T) {
	cfg := &container.Config{Hostname: "abcdef123456", Cmd: []string{"echo", "hi"}, Env: []string{"FOO=bar"}}
	s, err := Generate(Options{
		ID: "x", Config: cfg, HostConfig: &container.HostConfig{NetworkMode: "none"},
		Rootfs: "/r", ContainerDir: "/c", CgroupParent: "/berth",
		Seccomp: func(*specs.Spec) (*specs.LinuxSeccomp, error) {
			return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Process.Args, []string{"echo", "hi"}) || s.Process.Cwd != "/" || s.Hostname != "abcdef123456" {
		t.Fatalf("process %+v hostname %q", s.Process, s.Hostname)
	}
	wantEnv := []string{"PATH=" + DefaultPath, "HOSTNAME=abcdef123456", "HOME=/", "FOO=bar"}
	if !reflect.DeepEqual(s.Process.Env, wantEnv) {
		t.Fatalf("env %v", s.Process.Env)
	}
	if len(s.Process.Capabilities.Bounding) != 14 || !slices.Contains(s.Process.Capabilities.Effective, "CAP_NET_BIND_SERVICE") ||
		slices.Contains(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") {
		t.Fatalf("caps %v", s.Process.Capabilities.Bounding)
	}
	for _, dst := range []string{"/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf"} {
		if mountAt(s, dst) == nil {
			t.Errorf("missing mount %s", dst)
		}
	}
	if m := mountAt(s, "/sys"); !slices.Contains(m.Options, "ro") {
		t.Errorf("sysfs not ro: %v", m.Options)
	}
	if m := mountAt(s, "/etc/hosts"); m.Source != "/c/hosts" || m.Type != "bind" {
		t.Errorf("hosts mount %+v", m)
	}
	for _, n := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.NetworkNamespace, specs.MountNamespace, specs.IPCNamespace, specs.UTSNamespace} {
		if !hasNS(s, n) {
			t.Errorf("missing namespace %s", n)
		}
	}
	if hasNS(s, specs.CgroupNamespace) {
		t.Error("cgroup namespace on cgroup v1")
	}
	if !slices.Contains(s.Linux.MaskedPaths, "/proc/kcore") || !slices.Contains(s.Linux.ReadonlyPaths, "/proc/sys") {
		t.Error("masked/readonly paths")
	}
	if s.Linux.Seccomp == nil || s.Linux.CgroupsPath != "/berth/x" || s.Process.Rlimits != nil {
		t.Errorf("seccomp %v cgroups %q rlimits %v", s.Linux.Seccomp, s.Linux.CgroupsPath, s.Process.Rlimits)
	}
	// A container's own --cgroup-parent (a CRI pod's cgroup) replaces the daemon's.
	own, err := Generate(Options{ID: "x", Config: cfg, HostConfig: &container.HostConfig{Resources: container.Resources{CgroupParent: "kubepods/pod1"}}, CgroupParent: "/berth"})
	if err != nil || own.Linux.CgroupsPath != "/kubepods/pod1/x" {
		t.Errorf("cgroups under the container's parent: %q %v", own.Linux.CgroupsPath, err)
	}
	if s.Process.Terminal {
		t.Error("terminal without tty")
	}
}

func TestGenerateHostNetworkTTYAndPrivileged(t *testing.T) {
	cfg := &container.Config{Hostname: "h", Tty: true, Entrypoint: []string{"/bin/sh"}, Cmd: []string{"-c", "true"}, WorkingDir: "/tmp"}
	s, err := Generate(Options{Config: cfg, HostConfig: &container.HostConfig{NetworkMode: "host", Privileged: true, CgroupnsMode: "private"}, Rootfs: "/r"})
	if err != nil {
		t.Fatal(err)
	}
	if hasNS(s, specs.NetworkNamespace) || !hasNS(s, specs.CgroupNamespace) {
		t.Errorf("namespaces %v", s.Linux.Namespaces)
	}
	if !s.Process.Terminal || !slices.Contains(s.Process.Env, "TERM=xterm") || s.Process.Cwd != "/tmp" {
		t.Errorf("process %+v", s.Process)
	}
	if !reflect.DeepEqual(s.Process.Args, []string{"/bin/sh", "-c", "true"}) {
		t.Errorf("args %v", s.Process.Args)
	}
	if !slices.Contains(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") || s.Linux.MaskedPaths != nil || s.Linux.Seccomp != nil {
		t.Error("privileged")
	}
	if _, err := Generate(Options{Config: &container.Config{}, Rootfs: "/r"}); err == nil {
		t.Error("no command accepted")
	}
}

func TestCapabilities(t *testing.T) {
	c, err := Capabilities(false, []string{"net_admin", "CAP_SYS_TIME"}, []string{"chown", "MKNOD"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(c, "CAP_CHOWN") || slices.Contains(c, "CAP_MKNOD") || !slices.Contains(c, "CAP_NET_ADMIN") || !slices.Contains(c, "CAP_SYS_TIME") {
		t.Fatalf("caps %v", c)
	}
	c, _ = Capabilities(false, []string{"KILL"}, []string{"ALL"})
	if !reflect.DeepEqual(c, []string{"CAP_KILL"}) {
		t.Fatalf("drop all add kill: %v", c)
	}
	if _, err := Capabilities(false, []string{"BOGUS"}, nil); err == nil {
		t.Fatal("unknown capability accepted")
	}
}

func TestResolveUser(t *testing.T) {
	passwd := "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n"
	group := "root:x:0:\nwww:x:33:\nstaff:x:50:www,bob\n"
	u, err := ResolveUser("www", strings.NewReader(passwd), strings.NewReader(group), nil)
	if err != nil || u.UID != 33 || u.GID != 33 || u.Home != "/var/www" || !reflect.DeepEqual(u.AdditionalGids, []uint32{33, 50}) {
		t.Fatalf("www: %+v %v", u, err)
	}
	u, err = ResolveUser("1000:staff", strings.NewReader(passwd), strings.NewReader(group), []string{"7"})
	if err != nil || u.UID != 1000 || u.GID != 50 || !reflect.DeepEqual(u.AdditionalGids, []uint32{50, 7}) {
		t.Fatalf("1000:staff: %+v %v", u, err)
	}
	u, err = ResolveUser("", nil, nil, nil)
	if err != nil || u.UID != 0 || u.Home != "/" || !reflect.DeepEqual(u.AdditionalGids, []uint32{0}) {
		t.Fatalf("default: %+v %v", u, err)
	}
	if _, err := ResolveUser("nobody", strings.NewReader(passwd), nil, nil); err == nil || !strings.Contains(err.Error(), "unable to find user nobody") {
		t.Fatalf("missing user: %v", err)
	}
}

func TestMergeImageConfig(t *testing.T) {
	img := &dockerspec.DockerOCIImageConfig{}
	img.Env = []string{"PATH=/bin", "A=1"}
	img.Cmd = []string{"sh"}
	img.Entrypoint = []string{"/init"}
	img.WorkingDir = "/w"
	img.User = "www"
	img.StopSignal = "SIGQUIT"
	img.Labels = map[string]string{"a": "img", "b": "img"}

	c := &container.Config{Env: []string{"A=2", "BARE"}, Labels: map[string]string{"b": "ctr"}}
	MergeImageConfig(c, img)
	if !reflect.DeepEqual(c.Env, []string{"A=2", "BARE", "PATH=/bin"}) || !reflect.DeepEqual(c.Cmd, []string{"sh"}) ||
		!reflect.DeepEqual(c.Entrypoint, []string{"/init"}) || c.WorkingDir != "/w" || c.User != "www" || c.StopSignal != "SIGQUIT" ||
		c.Labels["a"] != "img" || c.Labels["b"] != "ctr" {
		t.Fatalf("merged %+v", c)
	}
	c = &container.Config{Entrypoint: []string{"/other"}}
	MergeImageConfig(c, img)
	if c.Cmd != nil {
		t.Fatalf("entrypoint override kept image cmd: %v", c.Cmd)
	}
	// The image's EXPOSEd ports join the container's own (run -P
	// publishes them all).
	img.ExposedPorts = map[string]struct{}{"8080/tcp": {}, "9090": {}, "53/udp": {}}
	c = &container.Config{ExposedPorts: network.PortSet{network.MustParsePort("7000/tcp"): {}}}
	MergeImageConfig(c, img)
	var got []string
	for p := range c.ExposedPorts {
		got = append(got, p.String())
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"53/udp", "7000/tcp", "8080/tcp", "9090/tcp"}) {
		t.Fatalf("exposed ports %v", got)
	}
}

func TestUserMounts(t *testing.T) {
	ms, err := UserMounts(&container.HostConfig{Binds: []string{"/h:/c:ro"}, Tmpfs: map[string]string{"/t": "size=1m"}})
	if err != nil || len(ms) != 2 {
		t.Fatalf("%v %v", ms, err)
	}
	if ms[0].Source != "/h" || !slices.Contains(ms[0].Options, "ro") || ms[1].Type != "tmpfs" || !slices.Contains(ms[1].Options, "size=1m") {
		t.Fatalf("%+v", ms)
	}
	// A source that is not absolute names a volume: the daemon mounts it.
	if ms, err := UserMounts(&container.HostConfig{Binds: []string{"data:/c"}}); err != nil || len(ms) != 0 {
		t.Fatalf("named volume turned into a bind: %v %v", ms, err)
	}
	if _, err := UserMounts(&container.HostConfig{Binds: []string{"/h:c"}}); err == nil {
		t.Fatal("relative destination accepted")
	}
}

func TestDefaultSeccompProfile(t *testing.T) {
	s := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: DefaultCapabilities}}}
	sc, err := DefaultSeccomp(s)
	if err != nil || sc == nil || sc.DefaultAction != specs.ActErrno || len(sc.Syscalls) == 0 {
		t.Fatalf("seccomp %v %v", sc, err)
	}
}

func TestInit(t *testing.T) {
	yes := true
	s, err := Generate(Options{Config: &container.Config{Cmd: []string{"sleep", "1"}}, HostConfig: &container.HostConfig{Init: &yes}, Rootfs: "/r", InitBinary: "/usr/bin/berth", InitArgs: []string{"init"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Process.Args, []string{InitPath, "init", "--", "sleep", "1"}) {
		t.Fatalf("args %v", s.Process.Args)
	}
	if m := mountAt(s, InitPath); m == nil || m.Source != "/usr/bin/berth" || !slices.Contains(m.Options, "ro") {
		t.Fatalf("init mount %+v", m)
	}
}

func TestShmSizeAndSeccompOptions(t *testing.T) {
	called := ""
	o := Options{Config: &container.Config{Cmd: []string{"true"}}, Rootfs: "/r",
		HostConfig: &container.HostConfig{ShmSize: 1 << 20, SecurityOpt: []string{`seccomp={"defaultAction":"SCMP_ACT_ALLOW"}`}},
		Seccomp:    func(*specs.Spec) (*specs.LinuxSeccomp, error) { called = "default"; return &specs.LinuxSeccomp{}, nil },
		SeccompProfile: func(p string, _ *specs.Spec) (*specs.LinuxSeccomp, error) {
			called = p
			return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow}, nil
		},
	}
	s, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if m := mountAt(s, "/dev/shm"); !slices.Contains(m.Options, "size=1048576") {
		t.Fatalf("shm %v", m.Options)
	}
	// A shareable namespace's /dev/shm is the host tmpfs the daemon made.
	o.ShmPath = "/run/b/x/shm"
	if s, _ := Generate(o); mountAt(s, "/dev/shm").Type != "bind" || mountAt(s, "/dev/shm").Source != o.ShmPath {
		t.Fatalf("shm from ShmPath: %+v", mountAt(s, "/dev/shm"))
	}
	o.ShmPath = ""
	if called != `{"defaultAction":"SCMP_ACT_ALLOW"}` || s.Linux.Seccomp.DefaultAction != specs.ActAllow {
		t.Fatalf("custom seccomp: %q %+v", called, s.Linux.Seccomp)
	}
	o.HostConfig.SecurityOpt = []string{"seccomp=unconfined"}
	called = ""
	if s, _ = Generate(o); s.Linux.Seccomp != nil || called != "" {
		t.Fatal("unconfined still has a profile")
	}
	sc, err := LoadSeccomp(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`, &specs.Spec{Process: &specs.Process{}})
	if err != nil || sc.DefaultAction != specs.ActErrno {
		t.Fatalf("LoadSeccomp: %+v %v", sc, err)
	}
}

func TestDevices(t *testing.T) {
	mode := os.FileMode(0o666)
	dev := Device{Spec: specs.LinuxDevice{Path: "/dev/xnull", Type: "c", Major: 1, Minor: 3, FileMode: &mode}, Permissions: "rw"}
	s, err := Generate(Options{Config: &container.Config{Cmd: []string{"true"}}, HostConfig: &container.HostConfig{}, Rootfs: "/r", Devices: []Device{dev}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Linux.Devices) != 1 || s.Linux.Devices[0].Path != "/dev/xnull" {
		t.Fatalf("devices %+v", s.Linux.Devices)
	}
	last := s.Linux.Resources.Devices[len(s.Linux.Resources.Devices)-1]
	if !last.Allow || last.Type != "c" || *last.Major != 1 || *last.Minor != 3 || last.Access != "rw" {
		t.Fatalf("device cgroup rule %+v", last)
	}
}

func TestHostCapabilities(t *testing.T) {
	if got := CapabilitiesFromMask(0x1 | 1<<21); !reflect.DeepEqual(got, []string{"CAP_CHOWN", "CAP_SYS_ADMIN"}) {
		t.Fatalf("mask: %v", got)
	}
	s, err := Generate(Options{Config: &container.Config{Cmd: []string{"true"}}, HostConfig: &container.HostConfig{Privileged: true}, Rootfs: "/r",
		HostCapabilities: []string{"CAP_CHOWN", "CAP_KILL"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Process.Capabilities.Bounding, []string{"CAP_CHOWN", "CAP_KILL"}) {
		t.Fatalf("privileged caps limited to the host's: %v", s.Process.Capabilities.Bounding)
	}
}
