package snapshot

import (
	"golang.org/x/sys/unix"
)

// fsNames names common backing filesystems by statfs magic, as docker info.
var fsNames = map[int64]string{
	unix.EXT4_SUPER_MAGIC:      "extfs",
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlayfs",
	unix.NFS_SUPER_MAGIC:       "nfs",
	unix.F2FS_SUPER_MAGIC:      "f2fs",
}

// BackingFS returns the name of the filesystem holding root.
func BackingFS(root string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return "unknown"
	}
	if n, ok := fsNames[int64(st.Type)]; ok {
		return n
	}
	return "unknown"
}

// DriverStatus returns the lines docker info shows under the storage
// driver: the backing filesystem and, for the copy driver, why overlay is
// not used.
func DriverStatus(root, driver string) [][2]string {
	out := [][2]string{{"Backing Filesystem", BackingFS(root)}}
	switch driver {
	case DriverOverlay:
		out = append(out, [2]string{"Supports d_type", "true"}, [2]string{"Native Overlay Diff", "true"})
	case DriverVFS:
		if err := OverlaySupported(root); err != nil {
			out = append(out, [2]string{"Overlay unavailable", err.Error()})
		}
	}
	return out
}
