package oci

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/rlimit"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// SpecVersion is the OCI spec version written in config.json: 1.0.2, the
// version every runtime in use accepts (crun 1.8 rejects 1.3.0 with
// "unknown version specified"); berth uses no field newer than it needs.
const SpecVersion = "1.0.2"

// InitPath is where the init of --init is mounted, as Docker's.
const InitPath = "/sbin/docker-init"

// DefaultPath is the PATH given to a container whose image sets none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Options is everything the spec of one container is generated from.
type Options struct {
	ID         string
	Config     *container.Config     // merged with the image config (see MergeImageConfig)
	HostConfig *container.HostConfig // as created
	Rootfs     string                // path of the mounted root filesystem
	// ContainerDir holds the container's hostname, hosts and resolv.conf
	// files, bind-mounted over the image's.
	ContainerDir string
	User         User // resolved against the image's /etc/passwd and /etc/group
	// CgroupParent is the daemon's cgroup parent (e.g. /berth): the
	// container's cgroup is <parent>/<ID>, under HostConfig.CgroupParent
	// instead when it names one (--cgroup-parent, a CRI pod's cgroup).
	CgroupParent string
	CgroupV2     bool // the host's cgroup mode (for the cgroup namespace default)
	// HostCapabilities, when non-nil, are the capabilities the daemon itself
	// holds (its bounding set): others cannot be given to a container, so
	// they are left out (a privileged container gets all the host has).
	HostCapabilities []string
	// Devices are host device nodes given to the container (--device, or
	// every host device for --privileged), looked up by the caller.
	Devices []Device
	// InitBinary is the host path of a static init, bind-mounted at
	// /sbin/docker-init and run as `docker-init InitArgs… -- cmd…` when
	// the container asks for --init (the berth binary with InitArgs
	// ["init"], or a tini).
	InitBinary string
	InitArgs   []string
	// LinkEnv holds the variables of the container's legacy links
	// (ALIAS_PORT…, ALIAS_NAME, ALIAS_ENV_…); its own Env overrides them.
	LinkEnv []string
	// Seccomp, when non-nil, turns a spec into its seccomp profile (the
	// default one from github.com/moby/profiles/seccomp on Linux).
	Seccomp func(*specs.Spec) (*specs.LinuxSeccomp, error)
	// SeccompProfile turns a custom profile (--security-opt seccomp=<json>,
	// which the CLI sends as the file's content) into a LinuxSeccomp.
	SeccompProfile func(profile string, s *specs.Spec) (*specs.LinuxSeccomp, error)
	// VolumeMounts are the container's volumes as bind mounts of host
	// directories, prepared by the caller; they join the user mounts.
	VolumeMounts []specs.Mount
	// ShmPath, when set, is a host directory (a tmpfs the caller mounted)
	// bound at /dev/shm instead of a tmpfs of the container's own: the
	// /dev/shm of a shareable IPC namespace, or of the one it joins.
	ShmPath string
}

// Generate returns the OCI runtime spec of a container as dockerd would
// make it: default capabilities, seccomp, masked and read-only paths,
// default mounts, namespaces by network mode, env, user, workdir, command.
func Generate(o Options) (*specs.Spec, error) {
	cfg, hc := o.Config, o.HostConfig
	if cfg == nil {
		return nil, fmt.Errorf("generate spec of %s: no config", o.ID)
	}
	if hc == nil {
		hc = &container.HostConfig{}
		o.HostConfig = hc
	}
	proc, err := process(o)
	if err != nil {
		return nil, err
	}
	res, err := Resources(hc.Resources, hc.Privileged)
	if err != nil {
		return nil, err
	}
	s := &specs.Spec{
		Version:     SpecVersion,
		Root:        &specs.Root{Path: o.Rootfs, Readonly: hc.ReadonlyRootfs},
		Process:     proc,
		Hostname:    cfg.Hostname,
		Domainname:  cfg.Domainname,
		Annotations: hc.Annotations,
		Linux: &specs.Linux{
			CgroupsPath: cgroupsPath(o),
			Sysctl:      hc.Sysctls,
			Resources:   res,
			Namespaces:  Namespaces(hc, o.CgroupV2),
		},
	}
	if hc.UTSMode.IsHost() {
		// The host's names stay: a runtime refuses to set them
		// without a UTS namespace of the container's own.
		s.Hostname, s.Domainname = "", ""
	}
	addDevices(s, o.Devices, hc.Privileged)
	maskPaths(s, hc)
	if s.Mounts, err = mounts(o); err != nil {
		return nil, err
	}
	s.Linux.RootfsPropagation = rootfsPropagation(s.Mounts)
	if s.Linux.Seccomp, err = seccompOf(o, s); err != nil {
		return nil, err
	}
	return s, nil
}

// process returns the container's process: command (behind the init when
// asked), env, user, working directory, capabilities, terminal, rlimits.
func process(o Options) (*specs.Process, error) {
	cfg, hc := o.Config, o.HostConfig
	args := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
	if hc.Init != nil && *hc.Init && o.InitBinary != "" {
		// berth's own init given no command holds the container's
		// namespaces until it is stopped (a pod's infra process).
		args = append(append(append([]string{InitPath}, o.InitArgs...), "--"), args...)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("no command specified")
	}
	caps, err := Capabilities(hc.Privileged, hc.CapAdd, hc.CapDrop)
	if err != nil {
		return nil, err
	}
	if o.HostCapabilities != nil {
		kept := caps[:0:0]
		for _, c := range caps {
			if contains(o.HostCapabilities, c) {
				kept = append(kept, c)
			}
		}
		caps = kept
	}
	cwd := cfg.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	p := &specs.Process{
		Terminal: cfg.Tty,
		Args:     args,
		Env:      Env(cfg, o.User.Home, o.LinkEnv),
		Cwd:      cwd,
		User: specs.User{
			UID: o.User.UID, GID: o.User.GID, AdditionalGids: o.User.AdditionalGids, Umask: hc.Umask,
		},
		Capabilities:    &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps},
		NoNewPrivileges: hasSecurityOpt(hc.SecurityOpt, "no-new-privileges"),
	}
	if cfg.Tty && hc.ConsoleSize[0] > 0 && hc.ConsoleSize[1] > 0 {
		p.ConsoleSize = &specs.Box{Height: hc.ConsoleSize[0], Width: hc.ConsoleSize[1]}
	}
	if hc.OomScoreAdj != 0 {
		adj := hc.OomScoreAdj
		p.OOMScoreAdj = &adj
	}
	for _, u := range hc.Ulimits {
		p.Rlimits = append(p.Rlimits, specs.POSIXRlimit{
			Type: rlimit.OCIName(u.Name), Hard: uint64(u.Hard), Soft: uint64(u.Soft),
		})
	}
	return p, nil
}

// maskPaths sets the masked and read-only paths, unless the container is
// privileged or asked for unconfined system paths.
func maskPaths(s *specs.Spec, hc *container.HostConfig) {
	if hc.Privileged || securityOptValue(hc.SecurityOpt, "systempaths") == "unconfined" {
		return
	}
	s.Linux.MaskedPaths = MaskedPaths
	s.Linux.ReadonlyPaths = ReadonlyPaths
	if hc.MaskedPaths != nil {
		s.Linux.MaskedPaths = hc.MaskedPaths
	}
	if hc.ReadonlyPaths != nil {
		s.Linux.ReadonlyPaths = hc.ReadonlyPaths
	}
}

// cgroupsPath is the container's cgroup (see Options.CgroupParent).
func cgroupsPath(o Options) string {
	if p := o.HostConfig.CgroupParent; p != "" {
		return path.Join("/", p, o.ID)
	}
	return path.Join(o.CgroupParent, o.ID)
}

// mounts returns the default mounts, the /etc name files, the init, and
// the user's mounts and volumes over them, with /dev/shm sized (or bound
// from ShmPath).
func mounts(o Options) ([]specs.Mount, error) {
	hc := o.HostConfig
	ms := DefaultMounts(hc.Privileged)
	if o.ContainerDir != "" {
		for _, f := range []string{"hostname", "hosts", "resolv.conf"} {
			ms = append(ms, specs.Mount{
				Destination: "/etc/" + f, Type: "bind", Source: path.Join(o.ContainerDir, f),
				Options: []string{"rbind", "rprivate"},
			})
		}
	}
	if hc.Init != nil && *hc.Init && o.InitBinary != "" {
		ms = append(ms, specs.Mount{Destination: InitPath, Type: "bind", Source: o.InitBinary, Options: []string{"bind", "ro", "rprivate"}})
	}
	userMounts, err := UserMounts(hc)
	if err != nil {
		return nil, err
	}
	ms = mergeMounts(ms, append(userMounts, o.VolumeMounts...))
	for i := range ms {
		if ms[i].Destination != "/dev/shm" || ms[i].Type != "tmpfs" {
			continue
		}
		if o.ShmPath != "" {
			ms[i] = specs.Mount{Destination: "/dev/shm", Type: "bind", Source: o.ShmPath, Options: []string{"rbind", "nosuid", "noexec", "nodev", "rprivate"}}
			continue
		}
		for j, opt := range ms[i].Options {
			if strings.HasPrefix(opt, "size=") && hc.ShmSize > 0 {
				ms[i].Options[j] = fmt.Sprintf("size=%d", hc.ShmSize)
			}
		}
	}
	return ms, nil
}

// seccompOf returns the container's seccomp filter: none when privileged or
// unconfined, its custom profile, or the default one.
func seccompOf(o Options, s *specs.Spec) (*specs.LinuxSeccomp, error) {
	hc := o.HostConfig
	custom := securityOptValue(hc.SecurityOpt, "seccomp")
	switch {
	case hc.Privileged || custom == "unconfined":
		return nil, nil
	case custom != "" && custom != "builtin":
		if o.SeccompProfile == nil {
			return nil, fmt.Errorf("custom seccomp profiles are not supported")
		}
		sc, err := o.SeccompProfile(custom, s)
		if err != nil {
			return nil, fmt.Errorf("load seccomp profile: %w", err)
		}
		return sc, nil
	case o.Seccomp != nil:
		sc, err := o.Seccomp(s)
		if err != nil {
			return nil, fmt.Errorf("generate seccomp profile: %w", err)
		}
		return sc, nil
	}
	return nil, nil
}

// securityOptValue returns the value of key=value (or key:value) in opts.
func securityOptValue(opts []string, key string) string {
	for _, o := range opts {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, ok = strings.Cut(o, ":")
		}
		if ok && k == key {
			return v
		}
	}
	return ""
}

func hasSecurityOpt(opts []string, want string) bool {
	for _, o := range opts {
		o = strings.Replace(o, ":", "=", 1)
		if o == want || o == want+"=true" {
			return true
		}
	}
	return false
}

// Env returns the process environment as dockerd builds it: PATH (unless
// the config has one), HOSTNAME, TERM=xterm with a tty, HOME from the
// user's passwd entry, the variables of legacy links, then the config's
// variables replacing those.
func Env(cfg *container.Config, home string, linkEnv []string) []string {
	base := []string{}
	if !hasEnv(cfg.Env, "PATH") {
		base = append(base, "PATH="+DefaultPath)
	}
	base = append(base, "HOSTNAME="+cfg.Hostname)
	if cfg.Tty {
		base = append(base, "TERM=xterm")
	}
	if home == "" {
		home = "/"
	}
	if !hasEnv(cfg.Env, "HOME") {
		base = append(base, "HOME="+home)
	}
	base = ReplaceOrAppendEnv(base, linkEnv)
	return ReplaceOrAppendEnv(base, cfg.Env)
}

func hasEnv(env []string, key string) bool {
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		if k == key {
			return true
		}
	}
	return false
}

// ReplaceOrAppendEnv returns defaults with each KEY=value of overrides
// replacing the same KEY or appended; a bare KEY removes it.
func ReplaceOrAppendEnv(defaults, overrides []string) []string {
	out := append([]string{}, defaults...)
	idx := map[string]int{}
	for i, e := range out {
		k, _, _ := strings.Cut(e, "=")
		idx[k] = i
	}
	for _, e := range overrides {
		k, _, hasVal := strings.Cut(e, "=")
		if i, ok := idx[k]; ok {
			if hasVal {
				out[i] = e
			} else {
				out[i] = ""
			}
			continue
		}
		if hasVal {
			idx[k] = len(out)
			out = append(out, e)
		}
	}
	res := out[:0]
	for _, e := range out {
		if e != "" {
			res = append(res, e)
		}
	}
	return res
}

// Namespaces returns the namespaces of a container: pid, ipc, uts, mount
// always; network unless NetworkMode is host; cgroup when private (the
// default on cgroup v2, as dockerd).
func Namespaces(hc *container.HostConfig, cgroupV2 bool) []specs.LinuxNamespace {
	ns := []specs.LinuxNamespace{{Type: specs.MountNamespace}}
	if !hc.NetworkMode.IsHost() {
		ns = append(ns, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	}
	if hc.UTSMode != "host" {
		ns = append(ns, specs.LinuxNamespace{Type: specs.UTSNamespace})
	}
	if hc.IpcMode != "host" {
		ns = append(ns, specs.LinuxNamespace{Type: specs.IPCNamespace})
	}
	if hc.PidMode != "host" {
		ns = append(ns, specs.LinuxNamespace{Type: specs.PIDNamespace})
	}
	if hc.CgroupnsMode == "private" || hc.CgroupnsMode == "" && cgroupV2 {
		ns = append(ns, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	return ns
}

// mergeMounts puts user mounts over the defaults: a user mount replaces a
// default one at the same destination; the result is ordered by depth so a
// parent is mounted before its children.
func mergeMounts(defaults, user []specs.Mount) []specs.Mount {
	taken := map[string]bool{}
	for _, m := range user {
		taken[path.Clean(m.Destination)] = true
	}
	var out []specs.Mount
	for _, m := range defaults {
		if !taken[path.Clean(m.Destination)] {
			out = append(out, m)
		}
	}
	out = append(out, user...)
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Count(path.Clean(out[i].Destination), "/") < strings.Count(path.Clean(out[j].Destination), "/")
	})
	return out
}
