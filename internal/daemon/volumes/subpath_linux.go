package volumes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
)

// A volume subpath lies in a directory that other containers may write:
// resolved by name, a second container could swap it for a symlink to "/"
// between the check and the runtime's mount, and the host's root would be
// bind-mounted into the victim (CVE-2021-30465). So the daemon opens it
// once, inside the volume, and bind-mounts that descriptor onto a staging
// point of its own (in the bundle, under the exec root, which no container
// sees); the runtime mounts the staging point. The staging mounts are
// lazily unmounted once the runtime made the container's mounts, and at
// the latest when the rootfs is unmounted or the daemon restarts.

// stagingDir holds the staged subpaths of the container whose bundle is
// bundle.
func stagingDir(bundle string) string { return filepath.Join(bundle, "subpaths") }

// stageSubpath mounts subpath sub of the volume at volRoot on the i-th
// staging point of the container whose bundle is bundle and returns that
// point.
func stageSubpath(bundle string, i int, volRoot, sub string) (string, error) {
	src, err := pathrs.OpenInRoot(volRoot, sub)
	if err != nil {
		return "", errdefs.InvalidParameter(fmt.Errorf("cannot access path %s of the volume: %w", sub, err))
	}
	defer src.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(src.Fd()), &st); err != nil {
		return "", fmt.Errorf("stat subpath %s: %w", sub, err)
	}
	dir := stagingDir(bundle)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create staging dir: %w", err)
	}
	target := filepath.Join(dir, strconv.Itoa(i))
	unstage(target) // a leftover of an earlier start
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		err = os.Mkdir(target, 0o700)
	} else {
		err = os.WriteFile(target, nil, 0o600)
	}
	if err != nil {
		return "", fmt.Errorf("create staging point: %w", err)
	}
	dst, err := os.OpenFile(target, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("open staging point: %w", err)
	}
	defer dst.Close()
	top, err := mount.BindFd(src, dst, true)
	if err != nil {
		return "", fmt.Errorf("stage subpath %s: %w", sub, err)
	}
	top.Close()
	return target, nil
}

// UnstageSubpaths lazily unmounts and removes the staging points of the
// container whose bundle is bundle. It fails if one stays mounted.
func UnstageSubpaths(bundle string) error {
	dir := stagingDir(bundle)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, e := range entries {
		unstage(filepath.Join(dir, e.Name()))
	}
	// rmdir, never a recursive removal: a point still mounted shows a
	// volume's content.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove staged subpaths: %w", err)
	}
	return nil
}

// unstage detaches every mount on the staging point p and removes it
// (an empty directory or file: refused while still a mount point).
func unstage(p string) {
	for unix.Unmount(p, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW) == nil {
	}
	_ = os.Remove(p)
}

// RemoveBundle removes a container's bundle directory once nothing of a
// volume is staged in it.
func RemoveBundle(bundle string) error {
	if err := UnstageSubpaths(bundle); err != nil {
		return err
	}
	return os.RemoveAll(bundle)
}
