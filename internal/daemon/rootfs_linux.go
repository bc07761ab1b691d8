package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/mount"
)

var mountFlags = map[string]struct {
	clear bool
	flag  uintptr
}{
	"ro": {false, unix.MS_RDONLY}, "rw": {true, unix.MS_RDONLY},
	"nosuid": {false, unix.MS_NOSUID}, "nodev": {false, unix.MS_NODEV}, "noexec": {false, unix.MS_NOEXEC},
	"bind": {false, unix.MS_BIND}, "rbind": {false, unix.MS_BIND | unix.MS_REC},
	"noatime": {false, unix.MS_NOATIME}, "relatime": {false, unix.MS_RELATIME},
}

// mountAll mounts ms on target, in order.
func mountAll(ms []mount.Mount, target string) error {
	for _, m := range ms {
		var flags uintptr
		var data []string
		for _, o := range m.Options {
			if f, ok := mountFlags[o]; ok {
				if f.clear {
					flags &^= f.flag
				} else {
					flags |= f.flag
				}
				continue
			}
			data = append(data, o)
		}
		if err := unix.Mount(m.Source, target, m.Type, flags, strings.Join(data, ",")); err != nil {
			return fmt.Errorf("mount %s (%s) on %s: %w", m.Source, m.Type, target, err)
		}
	}
	return nil
}

// unmountAll unmounts every mount stacked on target.
func unmountAll(target string) error {
	for i := 0; i < 16; i++ {
		err := unix.Unmount(target, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("unmount %s: %w", target, err)
		}
	}
	return nil
}

// isMounted reports whether path is a mount point.
func isMounted(path string) bool {
	var st, parent unix.Stat_t
	if unix.Lstat(path, &st) != nil || unix.Lstat(path+"/..", &parent) != nil {
		return false
	}
	if st.Dev != parent.Dev {
		return true
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}

// mountRootfs mounts the container's snapshot at <bundle>/rootfs (once) and
// returns the path.
func (d *Daemon) mountRootfs(ctx context.Context, c *container.Container) (string, error) {
	target := d.bundleDir(c.ID) + "/rootfs"
	if err := os.MkdirAll(target, 0o755); err != nil {
		return "", fmt.Errorf("create rootfs dir of %s: %w", c.ID, err)
	}
	if isMounted(target) {
		return target, nil
	}
	ms, err := d.snapshotter.Mounts(ctx, c.SnapshotKey)
	if err != nil {
		return "", fmt.Errorf("get mounts of container %s: %w", c.ID, err)
	}
	if err := mountAll(ms, target); err != nil {
		return "", err
	}
	return target, nil
}

// unmountRootfs unmounts the container's rootfs.
func (d *Daemon) unmountRootfs(c *container.Container) error {
	return unmountAll(d.bundleDir(c.ID) + "/rootfs")
}

// isCgroupV2 reports whether /sys/fs/cgroup is the unified hierarchy.
func isCgroupV2() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}
