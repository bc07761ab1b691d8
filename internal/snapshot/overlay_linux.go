package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// OverlaySupported reports why overlayfs cannot be used for snapshots under
// root (nil if it can): the kernel must mount overlay, and root must not
// itself be on overlayfs (overlay on overlay fails).
func OverlaySupported(root string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", root, err)
	}
	if st.Type == unix.OVERLAYFS_SUPER_MAGIC {
		return errors.New("the data root is on overlayfs")
	}
	probe, err := os.MkdirTemp(root, "overlay-probe-")
	if err != nil {
		return fmt.Errorf("create overlay probe: %w", err)
	}
	defer os.RemoveAll(probe)
	for _, d := range []string{"l1", "l2", "u", "w", "m"} {
		if err := os.Mkdir(filepath.Join(probe, d), 0o700); err != nil {
			return err
		}
	}
	opts := []string{
		"lowerdir=" + filepath.Join(probe, "l1") + ":" + filepath.Join(probe, "l2"),
		"upperdir=" + filepath.Join(probe, "u"),
		"workdir=" + filepath.Join(probe, "w"),
	}
	opts = append(overlayExtra(), opts...)
	m := filepath.Join(probe, "m")
	if err := unix.Mount("overlay", m, "overlay", 0, strings.Join(opts, ",")); err != nil {
		return fmt.Errorf("mount overlay: %w", err)
	}
	// Detached: a plain unmount of an overlay waits for an RCU grace
	// period, a tenth of a second of every daemon start on a busy host.
	if err := unix.Unmount(m, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount overlay probe: %w", err)
	}
	return nil
}
