package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/runtime/spec"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func validBundle(t *testing.T) (string, *specs.Spec) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := spec.Default()
	s.Process.Terminal = false
	return dir, s
}

func TestValidateSpecAcceptsDefault(t *testing.T) {
	dir, s := validBundle(t)
	if err := ValidateSpec(s, dir); err != nil {
		t.Fatalf("default spec rejected: %v", err)
	}
}

func TestValidateSpecNamesTheField(t *testing.T) {
	cases := map[string]struct {
		mutate func(*specs.Spec)
		field  string
	}{
		"no version":     {func(s *specs.Spec) { s.Version = "" }, "ociVersion"},
		"bad version":    {func(s *specs.Spec) { s.Version = "2.0.0" }, "ociVersion"},
		"no root":        {func(s *specs.Spec) { s.Root = nil }, "root.path"},
		"missing rootfs": {func(s *specs.Spec) { s.Root.Path = "nope" }, "root.path"},
		"no process":     {func(s *specs.Spec) { s.Process = nil }, "process"},
		"no args":        {func(s *specs.Spec) { s.Process.Args = nil }, "process.args"},
		"relative cwd":   {func(s *specs.Spec) { s.Process.Cwd = "tmp" }, "process.cwd"},
		"bad env":        {func(s *specs.Spec) { s.Process.Env = []string{"NOEQUALS"} }, "process.env[0]"},
		"unknown rlimit": {func(s *specs.Spec) { s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS"}} }, "process.rlimits[0].type"},
		"soft above hard": {func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 2, Hard: 1}}
		}, "process.rlimits[0]"},
		"duplicate rlimit": {func(s *specs.Spec) { s.Process.Rlimits = append(s.Process.Rlimits, s.Process.Rlimits[0]) }, "process.rlimits[1].type"},
		"oom score":        {func(s *specs.Spec) { v := 2000; s.Process.OOMScoreAdj = &v }, "process.oomScoreAdj"},
		"unknown cap":      {func(s *specs.Spec) { s.Process.Capabilities.Bounding = []string{"CAP_NOPE"} }, "CAP_NOPE"},
		"unknown ns": {func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogus"})
		}, "linux.namespaces[6].type"},
		"duplicate ns": {func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "pid"})
		}, "linux.namespaces[6].type"},
		"relative ns path": {func(s *specs.Spec) { s.Linux.Namespaces[1].Path = "net" }, "linux.namespaces[1].path"},
		"missing ns path":  {func(s *specs.Spec) { s.Linux.Namespaces[1].Path = "/proc/nonexistent/ns/net" }, "linux.namespaces[1].path"},
		"userns without maps": {func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
		}, "uidMappings"},
		"maps without userns": {func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
		}, "uidMappings"},
		"overlapping maps": {func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}, {ContainerID: 20, HostID: 1005, Size: 10}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
		}, "linux.uidMappings"},
		"zero size map": {func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 0}}
		}, "linux.gidMappings[0].size"},
		"joined user with new namespaces": {func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/self/ns/user"})
		}, "linux.namespaces"},
		"new user with joined mount": {func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "mount", Path: "/proc/self/ns/mnt"}, {Type: "user"}, {Type: "uts"}}
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
		}, "linux.namespaces"},
		"hostname without uts": {func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "mount"}}
		}, "hostname"},
		"non-namespaced sysctl": {func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "1"} }, "linux.sysctl"},
		"relative mount dest":   {func(s *specs.Spec) { s.Mounts[0].Destination = "proc" }, "mounts[0].destination"},
		"idmap mount":           {func(s *specs.Spec) { s.Mounts[0].Options = []string{"idmap"} }, "mounts[0].options"},
		"bad device type": {func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "z"}}
		}, "linux.devices[0].type"},
		"bad propagation": {func(s *specs.Spec) { s.Linux.RootfsPropagation = "sideways" }, "linux.rootfsPropagation"},
		"unknown syscall": {func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"no_such_call"}, Action: specs.ActErrno}}}
		}, "no_such_call"},
		"relative hook": {func(s *specs.Spec) { s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "hook"}}} }, "hooks.prestart[0].path"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir, s := validBundle(t)
			tc.mutate(s)
			err := ValidateSpec(s, dir)
			if err == nil {
				t.Fatal("invalid spec accepted")
			}
			if !strings.Contains(err.Error(), tc.field) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q should be one line naming %q", err, tc.field)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	if _, err := ParseSpec([]byte("{")); err == nil {
		t.Fatal("truncated JSON accepted")
	}
	_, err := ParseSpec([]byte(`{"process": {"args": "sh"}}`))
	if err == nil || !strings.Contains(err.Error(), "process.args") {
		t.Fatalf("want an error naming process.args, got %v", err)
	}
}

func TestParseMountOptions(t *testing.T) {
	o, err := parseOpts([]string{"rbind", "ro", "nosuid", "rslave", "mode=755", "rro"})
	if err != nil {
		t.Fatal(err)
	}
	if o.data != "mode=755" || !o.rro || len(o.propag) != 1 {
		t.Fatalf("parsed %+v", o)
	}
	if _, err := parseOpts([]string{""}); err == nil {
		t.Fatal("empty option accepted")
	}
}
