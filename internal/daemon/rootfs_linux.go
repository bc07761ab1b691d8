package daemon

import (
	"context"
	"fmt"
	"os"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/volumes"
	"github.com/berth/berth/internal/mount"
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

// unmountRootfs unmounts the container's rootfs, its shareable /dev/shm and
// its image mounts.
func (d *Daemon) unmountRootfs(c *container.Container) error {
	if err := volumes.UnstageSubpaths(d.bundleDir(c.ID)); err != nil {
		d.log.Warn("unstage volume subpaths", "id", c.ID, "err", err)
	}
	if err := mount.Unmount(d.bundleDir(c.ID) + "/shm"); err != nil {
		d.log.Warn("unmount /dev/shm", "id", c.ID, "err", err)
	}
	if err := d.imageMounts.Unmount(c); err != nil {
		d.log.Warn("unmount image mounts", "id", c.ID, "err", err)
	}
	return mount.UnmountAll(d.bundleDir(c.ID) + "/rootfs")
}
