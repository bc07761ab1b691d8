package runtime

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// enterRoot makes rootfs the root: pivot_root in a mount namespace, chroot
// without one.
func enterRoot(rootfs string, mountns, noPivot bool) error {
	if mountns && !noPivot {
		return pivotRoot(rootfs)
	}
	if mountns {
		if err := unix.Chdir(rootfs); err != nil {
			return fmt.Errorf("chdir to %s: %w", rootfs, err)
		}
		if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
			return fmt.Errorf("move %s to /: %w", rootfs, err)
		}
		rootfs = "."
	}
	if err := unix.Chroot(rootfs); err != nil {
		return fmt.Errorf("chroot to %s: %w", rootfs, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	return nil
}

// pivotRoot makes rootfs the root of the mount namespace and detaches the
// old root.
func pivotRoot(rootfs string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldroot)
	newroot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new root %s: %w", rootfs, err)
	}
	defer unix.Close(newroot)
	if err := unix.Fchdir(newroot); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root to %s: %w", rootfs, err)
	}
	if err := unix.Fchdir(oldroot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root a slave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	return nil
}

// finishRootfs runs after pivot_root: read-only and masked paths, then a
// read-only root if asked.
func finishRootfs(spec *specs.Spec, mountns bool) error {
	for _, p := range spec.Linux.ReadonlyPaths {
		if err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue
			}
			return fmt.Errorf("bind readonly path %s: %w", p, err)
		}
		if err := remountBind(p, unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC); err != nil {
			return fmt.Errorf("make %s read-only: %w", p, err)
		}
	}
	if err := maskPaths(spec.Linux.MaskedPaths); err != nil {
		return err
	}
	if spec.Root.Readonly && mountns {
		if err := remountBind("/", unix.MS_RDONLY); err != nil {
			return fmt.Errorf("make root read-only: %w", err)
		}
	}
	if p, ok := propagationFlags[spec.Linux.RootfsPropagation]; ok && mountns {
		if err := unix.Mount("", "/", "", p, ""); err != nil {
			return fmt.Errorf("set rootfs propagation %s: %w", spec.Linux.RootfsPropagation, err)
		}
	}
	return nil
}
