package cgroups

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/moby/sys/mountinfo"
)

// hierarchy is one mounted cgroup hierarchy, from /proc/self/mountinfo.
type hierarchy struct {
	mountpoint string   // e.g. /sys/fs/cgroup/memory
	root       string   // the hierarchy's directory mounted there, usually "/"
	subsystems []string // v1 controllers and name=… ; nil for cgroup2
	v2         bool
}

// v1Subsystems are the v1 controllers opencontainers/cgroups' fs manager
// knows, plus the named systemd hierarchy that runc also joins.
var v1Subsystems = map[string]bool{
	"cpuset": true, "devices": true, "memory": true, "cpu": true, "cpuacct": true,
	"pids": true, "blkio": true, "hugetlb": true, "net_cls": true, "net_prio": true,
	"perf_event": true, "freezer": true, "rdma": true, "misc": true, "name=systemd": true,
}

// parseHierarchies reads the cgroup mounts of a mountinfo file. Mounts
// hidden by a later cgroup mount on the same or a parent directory are
// skipped (cgroup2 remounted over /sys/fs/cgroup hides the hybrid layout);
// when a hierarchy is still mounted more than once, the first mount wins.
func parseHierarchies(r io.Reader) ([]hierarchy, error) {
	infos, err := mountinfo.GetMountsFromReader(r, mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("parse mountinfo: %w", err)
	}
	var out []hierarchy
	seen := map[string]bool{}
	for i, mi := range infos {
		if shadowed(mi.Mountpoint, infos[i+1:]) {
			continue
		}
		h := hierarchy{mountpoint: mi.Mountpoint, root: mi.Root}
		if mi.FSType == "cgroup2" {
			if seen[""] {
				continue
			}
			seen[""] = true
			h.v2 = true
			out = append(out, h)
			continue
		}
		for _, opt := range strings.Split(mi.VFSOptions, ",") {
			if v1Subsystems[opt] && !seen[opt] {
				seen[opt] = true
				h.subsystems = append(h.subsystems, opt)
			}
		}
		if len(h.subsystems) > 0 {
			out = append(out, h)
		}
	}
	return out, nil
}

// shadowed reports whether a mount at mp is hidden by one of the later
// mounts.
func shadowed(mp string, later []*mountinfo.Info) bool {
	for _, l := range later {
		if l.Mountpoint == mp || strings.HasPrefix(mp, strings.TrimSuffix(l.Mountpoint, "/")+"/") {
			return true
		}
	}
	return false
}

// systemdPath matches the systemd driver's "slice:prefix:name" form.
var systemdPath = regexp.MustCompile(`^[^:/]*\.slice:[^:/]*:[^:/]+$`)

// innerPath returns the cleaned cgroup path for cgroupsPath ("" means
// /berth/<id>) and whether it is absolute.
func innerPath(cgroupsPath, id string) (string, bool, error) {
	if cgroupsPath == "" {
		if id == "" || strings.ContainsAny(id, "/") || id == "." || id == ".." {
			return "", false, fmt.Errorf("linux.cgroupsPath: cannot derive a cgroup from container id %q", id)
		}
		return "/berth/" + id, true, nil
	}
	if systemdPath.MatchString(cgroupsPath) {
		return "", false, fmt.Errorf("linux.cgroupsPath: %q is a systemd cgroup path; berth manages cgroupfs paths only", cgroupsPath)
	}
	if path.IsAbs(cgroupsPath) {
		p := path.Clean(cgroupsPath)
		if p == "/" {
			return "", false, fmt.Errorf("linux.cgroupsPath: %q is the root cgroup", cgroupsPath)
		}
		return p, true, nil
	}
	p := path.Clean(cgroupsPath)
	if p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return "", false, fmt.Errorf("linux.cgroupsPath: %q leaves the runtime's own cgroup", cgroupsPath)
	}
	return p, false, nil
}

// computePaths returns the directory of the container's cgroup in every
// hierarchy: per v1 subsystem, plus "" for the unified hierarchy (pure v2,
// or the controller-less cgroup2 mount of a hybrid host). An absolute inner
// path hangs from the hierarchy's mountpoint; a relative one from the
// cgroup own[subsystem] that the calling process is in.
func computePaths(hs []hierarchy, own map[string]string, inner string, abs bool, unified bool) (map[string]string, error) {
	paths := map[string]string{}
	place := func(h hierarchy, key string) error {
		if abs {
			paths[key] = path.Join(h.mountpoint, inner)
			return nil
		}
		cur, ok := own[key]
		if !ok {
			return fmt.Errorf("find own cgroup for %q: not in /proc/self/cgroup", key)
		}
		// Inside a cgroup namespace or a bind mount the hierarchy's root
		// is not "/": strip it.
		rel := cur
		if h.root != "/" {
			rel = strings.TrimPrefix(cur, h.root)
		}
		paths[key] = path.Join(h.mountpoint, rel, inner)
		return nil
	}
	for _, h := range hs {
		if h.v2 {
			if err := place(h, ""); err != nil {
				return nil, err
			}
			continue
		}
		if unified {
			continue
		}
		for _, s := range h.subsystems {
			if err := place(h, s); err != nil {
				return nil, err
			}
		}
	}
	if unified {
		if _, ok := paths[""]; !ok {
			return nil, fmt.Errorf("find cgroup2 mount: none in mountinfo")
		}
		return map[string]string{"": paths[""]}, nil
	}
	if _, ok := paths["devices"]; !ok {
		return nil, fmt.Errorf("find devices cgroup: not mounted (required to confine devices)")
	}
	return paths, nil
}
