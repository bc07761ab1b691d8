package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountCgroup mounts the cgroup file system at dest. With cgroup v2 (or a
// cgroup namespace) the real file system is mounted; on v1 hosts a tmpfs is
// mounted with a bind of each hierarchy's container cgroup under it.
func mountCgroup(dest string, m *specs.Mount, o *mountOpts, spec *specs.Spec) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("create mount point %s: %w", m.Destination, err)
	}
	flags := o.flags | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	if isCgroup2("/sys/fs/cgroup") {
		if err := unix.Mount("cgroup2", dest, "cgroup2", flags, ""); err != nil {
			// without a cgroup namespace, bind the container's own cgroup.
			self, perr := ownCgroupPath("")
			if perr != nil {
				return fmt.Errorf("mount cgroup2 on %s: %w", m.Destination, err)
			}
			return mountBind(filepath.Join("/sys/fs/cgroup", self), dest, m.Destination, &mountOpts{flags: flags | unix.MS_BIND}, "")
		}
		return nil
	}
	if err := unix.Mount("tmpfs", dest, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=755"); err != nil {
		return fmt.Errorf("mount tmpfs for cgroups on %s: %w", m.Destination, err)
	}
	ents, err := os.ReadDir("/sys/fs/cgroup")
	if err != nil {
		return fmt.Errorf("list cgroup hierarchies: %w", err)
	}
	for _, e := range ents {
		host := filepath.Join("/sys/fs/cgroup", e.Name())
		fi, err := os.Lstat(host)
		if err != nil {
			continue
		}
		target := filepath.Join(dest, e.Name())
		if fi.Mode()&os.ModeSymlink != 0 {
			if l, err := os.Readlink(host); err == nil {
				_ = os.Symlink(l, target)
			}
			continue
		}
		if !fi.IsDir() {
			continue
		}
		var sfs unix.Statfs_t
		if unix.Statfs(host, &sfs) != nil || (sfs.Type != unix.CGROUP_SUPER_MAGIC && sfs.Type != unix.CGROUP2_SUPER_MAGIC) {
			continue
		}
		sub := host
		if sfs.Type == unix.CGROUP_SUPER_MAGIC {
			if p, err := ownCgroupPath(e.Name()); err == nil {
				sub = filepath.Join(host, p)
			}
		} else if p, err := ownCgroupPath(""); err == nil {
			sub = filepath.Join(host, p)
		}
		if err := os.MkdirAll(target, 0o755); err != nil {
			return fmt.Errorf("create cgroup mount point %s: %w", target, err)
		}
		if err := unix.Mount(sub, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind cgroup %s: %w", sub, err)
		}
		if err := remountBind(target, flags&^unix.MS_BIND); err != nil {
			return fmt.Errorf("remount cgroup %s: %w", target, err)
		}
	}
	if o.flags&unix.MS_RDONLY != 0 {
		if err := unix.Mount("", dest, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=755"); err != nil {
			return fmt.Errorf("remount %s read-only: %w", m.Destination, err)
		}
	}
	return nil
}

func isCgroup2(p string) bool {
	var st unix.Statfs_t
	return unix.Statfs(p, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// selfCgroups holds this process's cgroup paths by hierarchy, read before
// the cgroup namespace is entered (after which they are relative).
var selfCgroups map[string]string

func readSelfCgroups() {
	selfCgroups = map[string]string{}
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			selfCgroups[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			selfCgroups[strings.TrimPrefix(c, "name=")] = parts[2]
		}
		selfCgroups[parts[1]] = parts[2]
	}
}

// ownCgroupPath returns this process's cgroup path for the hierarchy
// mounted at /sys/fs/cgroup/<controller> (a v1 controller list such as
// "cpu,cpuacct" or "systemd"), or the unified path when controller is "".
func ownCgroupPath(controller string) (string, error) {
	if selfCgroups == nil {
		readSelfCgroups()
	}
	if p, ok := selfCgroups[controller]; ok {
		return p, nil
	}
	for _, c := range strings.Split(controller, ",") {
		if p, ok := selfCgroups[c]; ok && controller != "" {
			return p, nil
		}
	}
	return "", fmt.Errorf("no cgroup for controller %q", controller)
}
