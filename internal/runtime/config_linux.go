package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/rlimit"
	"github.com/berth/berth/internal/runtime/caps"
	"github.com/berth/berth/internal/runtime/cgroups"
	"github.com/berth/berth/internal/runtime/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// LoadSpec reads and validates <bundle>/config.json. Paths in the returned
// spec are left as written; use RootfsPath for the absolute rootfs.
func LoadSpec(bundle string) (*specs.Spec, error) {
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFound(fmt.Errorf("read bundle config: %w", err))
		}
		return nil, fmt.Errorf("read bundle config: %w", err)
	}
	spec, err := ParseSpec(data)
	if err != nil {
		return nil, err
	}
	if err := ValidateSpec(spec, bundle); err != nil {
		return nil, err
	}
	return spec, nil
}

// ParseSpec decodes config.json and rejects unknown top-level mistakes such
// as a wrong type for a field; the error names the field.
func ParseSpec(data []byte) (*specs.Spec, error) {
	var spec specs.Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&spec); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, errdefs.InvalidParameter(fmt.Errorf("parse config.json: field %s: cannot use %s as %s", te.Field, te.Value, te.Type))
		}
		return nil, errdefs.InvalidParameter(fmt.Errorf("parse config.json: %w", err))
	}
	return &spec, nil
}

// RootfsPath returns the absolute path of the container's root filesystem.
func RootfsPath(spec *specs.Spec, bundle string) string {
	p := spec.Root.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(bundle, p)
	}
	return filepath.Clean(p)
}

func invalid(format string, a ...any) error {
	return errdefs.InvalidParameter(fmt.Errorf(format, a...))
}

var nsFlags = map[specs.LinuxNamespaceType]uintptr{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.UserNamespace:    unix.CLONE_NEWUSER,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
	specs.TimeNamespace:    unix.CLONE_NEWTIME,
}

// ValidateSpec checks the whole configuration before anything is created.
// Every error names the offending field.
func ValidateSpec(spec *specs.Spec, bundle string) error {
	if spec.Version == "" {
		return invalid("config.json: field ociVersion is required")
	}
	if !strings.HasPrefix(spec.Version, "1.") {
		return invalid("config.json: field ociVersion: unsupported version %q", spec.Version)
	}
	if spec.Root == nil || spec.Root.Path == "" {
		return invalid("config.json: field root.path is required")
	}
	if bundle != "" {
		rootfs := RootfsPath(spec, bundle)
		fi, err := os.Stat(rootfs)
		if err != nil {
			return invalid("config.json: field root.path: rootfs %s does not exist", rootfs)
		}
		if !fi.IsDir() {
			return invalid("config.json: field root.path: rootfs %s is not a directory", rootfs)
		}
	}
	if spec.Process == nil {
		return invalid("config.json: field process is required")
	}
	if err := ValidateProcess(spec.Process); err != nil {
		return err
	}
	if spec.Linux == nil {
		return invalid("config.json: field linux is required")
	}
	if err := validateLinux(spec); err != nil {
		return err
	}
	for i, m := range spec.Mounts {
		if m.Destination == "" {
			return invalid("config.json: field mounts[%d].destination is required", i)
		}
		if !filepath.IsAbs(m.Destination) {
			return invalid("config.json: field mounts[%d].destination: %q is not absolute", i, m.Destination)
		}
		if _, _, _, err := parseMountOptions(m.Options); err != nil {
			return invalid("config.json: field mounts[%d].options: %v", i, err)
		}
		for _, o := range m.Options {
			if o == "idmap" || o == "ridmap" {
				return invalid("config.json: field mounts[%d].options: id-mapped mounts (%s) are not supported", i, o)
			}
		}
		if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
			return invalid("config.json: field mounts[%d].uidMappings: id-mapped mounts are not supported", i)
		}
	}
	if err := validateHooks(spec.Hooks); err != nil {
		return err
	}
	return nil
}

// ValidateProcess checks a process description (config.json's process or
// an exec's process.json).
func ValidateProcess(p *specs.Process) error {
	if len(p.Args) == 0 && p.CommandLine == "" {
		return invalid("config.json: field process.args is required")
	}
	if p.Cwd == "" {
		return invalid("config.json: field process.cwd is required")
	}
	if !filepath.IsAbs(p.Cwd) {
		return invalid("config.json: field process.cwd: %q is not absolute", p.Cwd)
	}
	for i, e := range p.Env {
		if !strings.Contains(e, "=") {
			return invalid("config.json: field process.env[%d]: %q is not KEY=VALUE", i, e)
		}
	}
	seen := map[string]bool{}
	for i, r := range p.Rlimits {
		if _, ok := rlimit.Resource(r.Type); !ok {
			return invalid("config.json: field process.rlimits[%d].type: unknown rlimit %q", i, r.Type)
		}
		if seen[r.Type] {
			return invalid("config.json: field process.rlimits[%d].type: duplicate rlimit %q", i, r.Type)
		}
		seen[r.Type] = true
		if r.Soft > r.Hard {
			return invalid("config.json: field process.rlimits[%d]: soft limit of %s above hard limit", i, r.Type)
		}
	}
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < -1000 || *p.OOMScoreAdj > 1000) {
		return invalid("config.json: field process.oomScoreAdj: %d is outside [-1000, 1000]", *p.OOMScoreAdj)
	}
	if p.Capabilities != nil {
		if err := caps.Validate(p.Capabilities); err != nil {
			return invalid("config.json: field process.capabilities: %v", err)
		}
	}
	if p.ConsoleSize != nil && !p.Terminal {
		return invalid("config.json: field process.consoleSize requires process.terminal")
	}
	return nil
}

func validateLinux(spec *specs.Spec) error {
	l := spec.Linux
	seen := map[specs.LinuxNamespaceType]bool{}
	hasUser, hasUTS, hasNet := false, false, false
	for i, ns := range l.Namespaces {
		if _, ok := nsFlags[ns.Type]; !ok {
			return invalid("config.json: field linux.namespaces[%d].type: unknown namespace type %q", i, ns.Type)
		}
		if seen[ns.Type] {
			return invalid("config.json: field linux.namespaces[%d].type: duplicate namespace %q", i, ns.Type)
		}
		seen[ns.Type] = true
		if ns.Path != "" {
			if !filepath.IsAbs(ns.Path) {
				return invalid("config.json: field linux.namespaces[%d].path: %q is not absolute", i, ns.Path)
			}
			if _, err := os.Stat(ns.Path); err != nil {
				return invalid("config.json: field linux.namespaces[%d].path: %v", i, err)
			}
		}
		switch ns.Type {
		case specs.UserNamespace:
			hasUser = true
		case specs.UTSNamespace:
			hasUTS = true
		case specs.NetworkNamespace:
			hasNet = true
		}
	}
	if err := validateNamespaceMix(l.Namespaces); err != nil {
		return err
	}
	if hasUser {
		for _, ns := range l.Namespaces {
			if ns.Type == specs.UserNamespace && ns.Path == "" {
				if len(l.UIDMappings) == 0 || len(l.GIDMappings) == 0 {
					return invalid("config.json: field linux.uidMappings/gidMappings: a new user namespace needs both mappings")
				}
			}
		}
	} else if len(l.UIDMappings) > 0 || len(l.GIDMappings) > 0 {
		return invalid("config.json: field linux.uidMappings: mappings given without a user namespace")
	}
	if err := validateIDMappings("linux.uidMappings", l.UIDMappings); err != nil {
		return err
	}
	if err := validateIDMappings("linux.gidMappings", l.GIDMappings); err != nil {
		return err
	}
	if (spec.Hostname != "" || spec.Domainname != "") && !hasUTS {
		return invalid("config.json: field hostname: setting a hostname needs a uts namespace")
	}
	for k := range l.Sysctl {
		if err := validateSysctl(k, hasNet, seen[specs.IPCNamespace], hasUTS); err != nil {
			return err
		}
	}
	for i, d := range l.Devices {
		if d.Path == "" || !filepath.IsAbs(d.Path) {
			return invalid("config.json: field linux.devices[%d].path: %q is not absolute", i, d.Path)
		}
		switch d.Type {
		case "c", "u", "b", "p":
		default:
			return invalid("config.json: field linux.devices[%d].type: unknown device type %q", i, d.Type)
		}
	}
	if l.Personality != nil && l.Personality.Domain != specs.PerLinux && l.Personality.Domain != specs.PerLinux32 {
		return invalid("config.json: field linux.personality.domain: unknown domain %q", l.Personality.Domain)
	}
	switch l.RootfsPropagation {
	case "", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable":
	default:
		return invalid("config.json: field linux.rootfsPropagation: unknown propagation %q", l.RootfsPropagation)
	}
	if l.Resources != nil {
		if err := cgroups.Validate(l.Resources); err != nil {
			return invalid("config.json: field linux.resources: %v", err)
		}
	}
	if l.Seccomp != nil {
		if _, err := seccomp.Compile(l.Seccomp); err != nil {
			return invalid("config.json: field linux.seccomp: %v", err)
		}
	}
	for _, p := range append(append([]string{}, l.MaskedPaths...), l.ReadonlyPaths...) {
		if !filepath.IsAbs(p) {
			return invalid("config.json: field linux.maskedPaths/readonlyPaths: %q is not absolute", p)
		}
	}
	return nil
}

func validateIDMappings(field string, ms []specs.LinuxIDMapping) error {
	type span struct{ a, b uint64 }
	var in, out []span
	for i, m := range ms {
		if m.Size == 0 {
			return invalid("config.json: field %s[%d].size: must be positive", field, i)
		}
		if uint64(m.ContainerID)+uint64(m.Size) > 1<<32 || uint64(m.HostID)+uint64(m.Size) > 1<<32 {
			return invalid("config.json: field %s[%d]: range exceeds 32 bits", field, i)
		}
		in = append(in, span{uint64(m.ContainerID), uint64(m.ContainerID) + uint64(m.Size)})
		out = append(out, span{uint64(m.HostID), uint64(m.HostID) + uint64(m.Size)})
	}
	for _, spans := range [][]span{in, out} {
		s := append([]span{}, spans...)
		sort.Slice(s, func(i, j int) bool { return s[i].a < s[j].a })
		for i := 1; i < len(s); i++ {
			if s[i].a < s[i-1].b {
				return invalid("config.json: field %s: overlapping id mappings", field)
			}
		}
	}
	return nil
}

func validateSysctl(key string, net, ipc, uts bool) error {
	if _, err := sysctlPath(key); err != nil {
		return invalid("config.json: field linux.sysctl: %q is not a valid key", key)
	}
	k := strings.ReplaceAll(key, "/", ".")
	switch {
	case strings.HasPrefix(k, "net."):
		if !net {
			return invalid("config.json: field linux.sysctl: %s needs a network namespace", key)
		}
	case strings.HasPrefix(k, "fs.mqueue.") || k == "kernel.msgmax" || k == "kernel.msgmnb" || k == "kernel.msgmni" ||
		k == "kernel.sem" || k == "kernel.shmall" || k == "kernel.shmmax" || k == "kernel.shmmni" || k == "kernel.shm_rmid_forced":
		if !ipc {
			return invalid("config.json: field linux.sysctl: %s needs an ipc namespace", key)
		}
	case k == "kernel.hostname" || k == "kernel.domainname":
		if !uts {
			return invalid("config.json: field linux.sysctl: %s needs a uts namespace", key)
		}
	default:
		return invalid("config.json: field linux.sysctl: %s is not namespaced", key)
	}
	return nil
}

func validateHooks(h *specs.Hooks) error {
	if h == nil {
		return nil
	}
	lists := map[string][]specs.Hook{
		"prestart": h.Prestart, "createRuntime": h.CreateRuntime, "createContainer": h.CreateContainer,
		"startContainer": h.StartContainer, "poststart": h.Poststart, "poststop": h.Poststop,
	}
	for name, hs := range lists {
		for i, hk := range hs {
			if !filepath.IsAbs(hk.Path) {
				return invalid("config.json: field hooks.%s[%d].path: %q is not absolute", name, i, hk.Path)
			}
			if hk.Timeout != nil && *hk.Timeout <= 0 {
				return invalid("config.json: field hooks.%s[%d].timeout: must be positive", name, i)
			}
		}
	}
	return nil
}

// validateNamespaceMix refuses the combinations of joined and new
// namespaces berth cannot set up with the right ownership.
func validateNamespaceMix(nss []specs.LinuxNamespace) error {
	newUser, joinedUser, hasNew, joinedMntTime := false, false, false, false
	for _, ns := range nss {
		switch {
		case ns.Type == specs.UserNamespace && ns.Path == "":
			newUser = true
		case ns.Type == specs.UserNamespace:
			joinedUser = true
		case ns.Path == "":
			hasNew = true
		case ns.Type == specs.MountNamespace || ns.Type == specs.TimeNamespace:
			joinedMntTime = true
		}
	}
	if joinedUser && hasNew {
		// new namespaces would belong to our user namespace, not the
		// joined one, and be out of the container's reach.
		return invalid("config.json: field linux.namespaces: joining a user namespace by path needs every other namespace joined by path too")
	}
	if newUser && joinedMntTime {
		return invalid("config.json: field linux.namespaces: joining an existing mount or time namespace together with a new user namespace is not supported")
	}
	return nil
}
