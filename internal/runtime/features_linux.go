package runtime

import (
	"github.com/berth/berth/internal/runtime/caps"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Features describes what this runtime supports (`berth runtime features`).
func Features() map[string]any {
	ns := []string{"cgroup", "ipc", "mount", "network", "pid", "user", "uts", "time"}
	return map[string]any{
		"ociVersionMin": "1.0.0",
		"ociVersionMax": specs.Version,
		"hooks":         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		"mountOptions":  mountOptionNames(),
		"linux": map[string]any{
			"namespaces":   ns,
			"capabilities": caps.Names(),
			"apparmor":     map[string]any{"enabled": false},
			"selinux":      map[string]any{"enabled": false},
			"cgroup":       map[string]any{"v1": true, "v2": true, "systemd": false},
			"seccomp":      map[string]any{"enabled": true},
		},
	}
}

func mountOptionNames() []string {
	out := []string{"rro", "rrw", "rnosuid", "rnodev", "rnoexec", "rsuid", "rdev", "rexec"}
	for k := range mountFlags {
		out = append(out, k)
	}
	for k := range propagationFlags {
		out = append(out, k)
	}
	return out
}
