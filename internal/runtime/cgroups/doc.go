// Package cgroups places a container's processes into control groups and
// applies the resource limits of an OCI runtime spec (linux.resources).
//
// It detects the host's layout on every call to New: pure cgroup v2
// (cgroup2 mounted at /sys/fs/cgroup), v1, or v1 "hybrid" (v1 controllers
// each mounted on their own, plus a cgroup2 mount without controllers at
// /sys/fs/cgroup/unified). Paths are computed here from /proc/self/mountinfo
// and /proc/self/cgroup (pure functions, unit-tested on fake inputs); the
// writing of limits is delegated to github.com/opencontainers/cgroups' fs
// (v1) and fs2 (v2) managers, fed with configs converted from the OCI spec.
//
// Lifecycle, as the runtime uses it:
//
//	m, err := cgroups.New(spec.Linux.CgroupsPath, id) // compute paths, nothing created yet
//	m.Apply(pid)                                      // mkdir and move the container's init in
//	m.Set(spec.Linux.Resources)                       // write limits
//	save(m.Paths())                                   // in the state file
//	...later, in another process:
//	m, err = cgroups.Load(saved)                      // Freeze/Thaw/Kill/Pids/Destroy
package cgroups
