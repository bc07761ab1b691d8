package daemon

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/volumes"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/oci"
)

// mountRootfs mounts the container's snapshot at <bundle>/rootfs (once) and
// returns the path.
func (d *Daemon) mountRootfs(ctx context.Context, c *container.Container) (string, error) {
	target := d.bundleDir(c.ID) + "/rootfs"
	if err := os.MkdirAll(target, 0o755); err != nil {
		return "", fmt.Errorf("create rootfs dir of %s: %w", c.ID, err)
	}
	if mount.IsMountPoint(target) {
		return target, nil
	}
	ms, err := d.snapshotter.Mounts(ctx, c.SnapshotKey)
	if err != nil {
		return "", fmt.Errorf("get mounts of container %s: %w", c.ID, err)
	}
	if err := mount.All(ms, target); err != nil {
		return "", err
	}
	return target, nil
}

// unmountRootfs unmounts the container's rootfs.
func (d *Daemon) unmountRootfs(c *container.Container) error {
	if err := volumes.UnstageSubpaths(d.bundleDir(c.ID)); err != nil {
		d.log.Warn("unstage volume subpaths", "id", c.ID, "err", err)
	}
	return mount.UnmountAll(d.bundleDir(c.ID) + "/rootfs")
}

// isCgroupV2 reports whether /sys/fs/cgroup is the unified hierarchy.
func isCgroupV2() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// hostCapabilities returns the daemon's bounding set: the capabilities a
// container can be given at all.
func hostCapabilities() []string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return nil
			}
			return oci.CapabilitiesFromMask(mask)
		}
	}
	return nil
}
