package cgroups

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Freezer states reported by Manager.State.
const (
	Frozen = "FROZEN"
	Thawed = "THAWED"
)

// Manager is the container's cgroup (one directory per v1 controller, or a
// single unified v2 directory).
type Manager interface {
	// Apply creates the cgroup directories, if missing, and moves pid into
	// them. Apply(-1) only creates them.
	Apply(pid int) error
	// Set writes the limits of r. A limit that is asked for but whose
	// control file does not exist on this host is an error naming the file.
	Set(r *specs.LinuxResources) error
	// Freeze stops every process of the cgroup and returns once the kernel
	// reports the cgroup FROZEN.
	Freeze() error
	// Thaw resumes the processes of a frozen cgroup.
	Thaw() error
	// State reports the freezer state: Frozen or Thawed.
	State() (string, error)
	// Pids lists every process of the cgroup, including its sub-cgroups.
	// A cgroup that does not exist (any more) has none.
	Pids() ([]int, error)
	// Kill sends sig to every process of the cgroup. For SIGKILL the cgroup
	// is frozen first (or cgroup.kill used on v2) so that no process can
	// fork away from the signal.
	Kill(sig unix.Signal) error
	// Destroy removes the cgroup directories. The cgroup must be empty;
	// directories already gone are not an error.
	Destroy() error
	// Paths returns the absolute directory per v1 controller ("memory",
	// "cpu", …) or, on v2, the unified directory under the "" key. On a
	// hybrid host the "" key holds the directory in the unified mount.
	// Saved and handed to Load in a later process.
	Paths() map[string]string
	// OOMKillCount reports how many processes the kernel's OOM killer has
	// killed in the cgroup (memory.oom_control / memory.events).
	OOMKillCount() (uint64, error)
	// Stats reads the usage counters of every controller (CPU time,
	// memory usage and limit, pids, block I/O, hugetlb): what `runc
	// events --stats` reports and `docker stats` is made from.
	Stats() (*Stats, error)
}
