package oci

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultShmSize is the size of a container's /dev/shm unless --shm-size
// says otherwise (64 MiB, as Docker).
const DefaultShmSize = 64 << 20

// DefaultCapabilities is Docker's default capability set.
var DefaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// AllCapabilities is every capability a privileged container gets, in
// order of bit number (linux/capability.h).
var AllCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// Capabilities applies --cap-add and --cap-drop (names with or without CAP_,
// any case, "ALL") to the default set, or returns all for privileged.
func Capabilities(privileged bool, add, drop []string) ([]string, error) {
	if privileged {
		return append([]string{}, AllCapabilities...), nil
	}
	norm := func(list []string) ([]string, bool, error) {
		var out []string
		all := false
		for _, c := range list {
			c = strings.ToUpper(strings.TrimSpace(c))
			if c == "ALL" {
				all = true
				continue
			}
			if !strings.HasPrefix(c, "CAP_") {
				c = "CAP_" + c
			}
			if !contains(AllCapabilities, c) {
				return nil, false, fmt.Errorf("unknown capability: %q", c)
			}
			out = append(out, c)
		}
		return out, all, nil
	}
	addN, addAll, err := norm(add)
	if err != nil {
		return nil, fmt.Errorf("invalid CapAdd: %w", err)
	}
	dropN, dropAll, err := norm(drop)
	if err != nil {
		return nil, fmt.Errorf("invalid CapDrop: %w", err)
	}
	var base []string
	switch {
	case addAll:
		base = append(base, AllCapabilities...)
	case dropAll:
	default:
		base = append(base, DefaultCapabilities...)
	}
	out := []string{}
	for _, c := range base {
		if !contains(dropN, c) {
			out = append(out, c)
		}
	}
	for _, c := range addN {
		if !contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// MaskedPaths are Docker's masked paths.
var MaskedPaths = []string{
	"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
}

// ReadonlyPaths are Docker's read-only paths.
var ReadonlyPaths = []string{
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
}

// DefaultMounts are the kernel filesystems every container gets, as Docker's.
func DefaultMounts(privileged bool) []specs.Mount {
	sysOpts := []string{"nosuid", "noexec", "nodev", "ro"}
	cgOpts := []string{"ro", "nosuid", "noexec", "nodev"}
	if privileged {
		sysOpts = []string{"nosuid", "noexec", "nodev"}
		cgOpts = []string{"rw", "nosuid", "noexec", "nodev"}
	}
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: sysOpts},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: cgOpts},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", fmt.Sprintf("size=%d", DefaultShmSize)}},
	}
}

func devRule(typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
	r := specs.LinuxDeviceCgroup{Allow: true, Type: typ, Access: access}
	if major >= 0 {
		r.Major = &major
	}
	if minor >= 0 {
		r.Minor = &minor
	}
	return r
}

// DefaultDevices is Docker's device cgroup: deny all, allow mknod of any
// device and use of null, zero, full, random, urandom, tty, console, ptmx,
// pts and tun.
func DefaultDevices(privileged bool) []specs.LinuxDeviceCgroup {
	if privileged {
		return []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
	}
	return []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		devRule("c", -1, -1, "m"),
		devRule("b", -1, -1, "m"),
		devRule("c", 1, 3, "rwm"),
		devRule("c", 1, 5, "rwm"),
		devRule("c", 1, 7, "rwm"),
		devRule("c", 1, 8, "rwm"),
		devRule("c", 1, 9, "rwm"),
		devRule("c", 5, 0, "rwm"),
		devRule("c", 5, 1, "rwm"),
		devRule("c", 5, 2, "rwm"),
		devRule("c", 136, -1, "rwm"),
		devRule("c", 10, 200, "rwm"),
	}
}

// CapabilitiesFromMask names the capabilities set in a mask such as the
// CapBnd line of /proc/self/status.
func CapabilitiesFromMask(mask uint64) []string {
	out := []string{}
	for bit, name := range AllCapabilities {
		if mask&(1<<uint(bit)) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// addsSysAdmin reports whether an unprivileged container gets CAP_SYS_ADMIN.
// On a cgroup v1 host such a container in the host's cgroup namespace can
// mount a hierarchy at its root and set its release_agent, which the
// kernel runs as root on the host (CVE-2022-0492; dockerd leaves it to
// AppArmor): in a namespace of its own, new hierarchies are refused and
// the ones it mounts start at its own cgroup, which has no release_agent.
func addsSysAdmin(hc *container.HostConfig) bool {
	caps, err := Capabilities(hc.Privileged, hc.CapAdd, hc.CapDrop)
	return err == nil && !hc.Privileged && slices.Contains(caps, "CAP_SYS_ADMIN")
}

// HostConfigDefaults records what dockerd records at create for settings
// the client left empty, so that inspect shows the same: the IPC and
// cgroup namespace modes, OomKillDisable, the size of /dev/shm, and the
// masked and read-only paths of an unprivileged container (the values the
// spec gets anyway).
func HostConfigDefaults(hc *container.HostConfig, cgroupV2 bool) {
	if hc.ShmSize == 0 {
		hc.ShmSize = DefaultShmSize
	}
	if hc.IpcMode == "" {
		hc.IpcMode = "private"
	}
	if hc.CgroupnsMode == "" {
		hc.CgroupnsMode = "host"
		if cgroupV2 || addsSysAdmin(hc) {
			hc.CgroupnsMode = "private"
		}
	}
	if hc.OomKillDisable == nil {
		off := false
		hc.OomKillDisable = &off
	}
	if !hc.Privileged {
		if hc.MaskedPaths == nil {
			hc.MaskedPaths = slices.Clone(MaskedPaths)
		}
		if hc.ReadonlyPaths == nil {
			hc.ReadonlyPaths = slices.Clone(ReadonlyPaths)
		}
	}
}

// ContainerDefaults are a daemon's settings (daemon.json, by dockerd's
// keys) of the containers it creates that do not choose.
type ContainerDefaults struct {
	// Init runs an init as PID 1 ("init").
	Init bool
	// DefaultShmSize is the size of /dev/shm ("default-shm-size"; 0 =
	// DefaultShmSize).
	DefaultShmSize int64
	// DefaultUlimits apply where the container does not set the same
	// limit ("default-ulimits").
	DefaultUlimits []*container.Ulimit
	// LogDriver and LogOpts are the log configuration ("log-driver",
	// "log-opts"); "" is the daemon's default driver.
	LogDriver string
	LogOpts   map[string]string
}

// Apply gives hc the defaults where it chooses nothing, as dockerd does:
// the log driver (logDriver, the effective LogDriver; with the options
// only when hc names none and the same driver), init, /dev/shm size and
// ulimits.
func (o ContainerDefaults) Apply(hc *container.HostConfig, logDriver string) {
	if hc.LogConfig.Type == "" {
		hc.LogConfig.Type = logDriver
	}
	if hc.LogConfig.Type == logDriver && len(hc.LogConfig.Config) == 0 && len(o.LogOpts) > 0 {
		hc.LogConfig.Config = maps.Clone(o.LogOpts)
	}
	if hc.Init == nil && o.Init {
		on := true
		hc.Init = &on
	}
	if hc.ShmSize == 0 {
		hc.ShmSize = o.DefaultShmSize
	}
	for _, u := range o.DefaultUlimits {
		if !slices.ContainsFunc(hc.Ulimits, func(v *container.Ulimit) bool { return v.Name == u.Name }) {
			v := *u
			hc.Ulimits = append(hc.Ulimits, &v)
		}
	}
}

// JoinNamespaces points the spec's IPC, UTS or PID namespace (types whose
// names are their files under /proc/PID/ns) at that of process pid: modes
// "container:NAME", as a pod's containers join its infra container's. A
// container in another's UTS namespace has no hostname of its own.
func JoinNamespaces(spec *specs.Spec, pid int, types ...specs.LinuxNamespaceType) {
	for _, typ := range types {
		for i := range spec.Linux.Namespaces {
			if spec.Linux.Namespaces[i].Type == typ {
				spec.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/%s", pid, typ)
			}
		}
		if typ == specs.UTSNamespace {
			spec.Hostname = ""
		}
	}
}
