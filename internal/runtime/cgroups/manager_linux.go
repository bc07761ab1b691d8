package cgroups

import (
	"errors"
)

// New returns the manager of the cgroup cgroupsPath (linux.cgroupsPath of
// config.json) for container containerID, detecting the host's cgroup
// layout. An empty cgroupsPath means "/berth/<containerID>". An absolute
// path is taken from the root of each hierarchy, a relative one from the
// cgroup the calling process is in. Nothing is created until Apply.
func New(cgroupsPath string, containerID string) (Manager, error) {
	return nil, errors.New("cgroups: not implemented yet")
}

// Load re-opens a cgroup from the Paths() of a manager made by New, in a
// later process.
func Load(paths map[string]string) (Manager, error) {
	return nil, errors.New("cgroups: not implemented yet")
}
