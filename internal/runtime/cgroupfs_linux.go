package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/mount"
)

// mountCgroup mounts the cgroup file system on dst (the open mount point
// of m under root). With cgroup v2 (or a cgroup namespace) the real file
// system is mounted; on v1 hosts a tmpfs is mounted with a bind of each
// hierarchy's container cgroup under it, made through the tmpfs's handle.
func mountCgroup(root, dst *os.File, m *specs.Mount, o *mountOpts, spec *specs.Spec) error {
	flags := o.flags | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	if isCgroup2("/sys/fs/cgroup") {
		if err := unix.Mount("cgroup2", mount.FdPath(dst), "cgroup2", flags, ""); err != nil {
			// without a cgroup namespace, bind the container's own cgroup.
			self, perr := ownCgroupPath("")
			if perr != nil {
				return fmt.Errorf("mount cgroup2 on %s: %w", m.Destination, err)
			}
			return bindSource(filepath.Join("/sys/fs/cgroup", self), dst, m.Destination, &mountOpts{flags: flags | unix.MS_BIND})
		}
		return nil
	}
	if err := unix.Mount("tmpfs", mount.FdPath(dst), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=755"); err != nil {
		return fmt.Errorf("mount tmpfs for cgroups on %s: %w", m.Destination, err)
	}
	top, err := reopenTop(root, dst, m.Destination)
	if err != nil {
		return err
	}
	defer top.Close()
	ents, err := os.ReadDir("/sys/fs/cgroup")
	if err != nil {
		return fmt.Errorf("list cgroup hierarchies: %w", err)
	}
	for _, e := range ents {
		if err := bindHierarchy(top, e.Name(), flags); err != nil {
			return err
		}
	}
	if o.flags&unix.MS_RDONLY != 0 {
		if err := unix.Mount("", mount.FdPath(top), "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=755"); err != nil {
			return fmt.Errorf("remount %s read-only: %w", m.Destination, err)
		}
	}
	return nil
}

// bindHierarchy shows the host's cgroup hierarchy name (the container's
// own cgroup in it) in the fresh cgroup tmpfs open at top; a symlink
// (cpu -> cpu,cpuacct) is copied.
func bindHierarchy(top *os.File, name string, flags uintptr) error {
	host := filepath.Join("/sys/fs/cgroup", name)
	fi, err := os.Lstat(host)
	if err != nil {
		return nil
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		if l, err := os.Readlink(host); err == nil {
			_ = unix.Symlinkat(l, int(top.Fd()), name)
		}
		return nil
	}
	if !fi.IsDir() {
		return nil
	}
	var sfs unix.Statfs_t
	if unix.Statfs(host, &sfs) != nil || (sfs.Type != unix.CGROUP_SUPER_MAGIC && sfs.Type != unix.CGROUP2_SUPER_MAGIC) {
		return nil
	}
	sub := host
	if sfs.Type == unix.CGROUP_SUPER_MAGIC {
		if p, err := ownCgroupPath(name); err == nil {
			sub = filepath.Join(host, p)
		}
	} else if p, err := ownCgroupPath(""); err == nil {
		sub = filepath.Join(host, p)
	}
	if err := unix.Mkdirat(int(top.Fd()), name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create cgroup mount point %s: %w", name, err)
	}
	fd, err := unix.Openat(int(top.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open cgroup mount point %s: %w", name, err)
	}
	dst := os.NewFile(uintptr(fd), name)
	defer dst.Close()
	if err := bindSource(sub, dst, "cgroup "+name, &mountOpts{flags: flags | unix.MS_BIND | unix.MS_REC}); err != nil {
		return err
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
