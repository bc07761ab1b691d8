package runtime

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroupManager is the contract of package cgroups' Manager.
type cgroupManager interface {
	Apply(pid int) error
	Set(r *specs.LinuxResources) error
	Freeze() error
	Thaw() error
	State() (string, error)
	Pids() ([]int, error)
	Kill(sig unix.Signal) error
	Destroy() error
	Paths() map[string]string
}
