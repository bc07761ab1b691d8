package mount

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// IsMountPoint reports whether path is a mount point: its device differs
// from its parent's, or (a mount of the same filesystem, such as a bind)
// statx marks it as the root of a mount; on kernels without that mark
// (before 5.8), /proc/self/mountinfo lists it.
func IsMountPoint(path string) bool {
	var st, parent unix.Stat_t
	if unix.Lstat(path, &st) != nil || unix.Lstat(path+"/..", &parent) != nil {
		return false
	}
	if st.Dev != parent.Dev {
		return true
	}
	var mi unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_MNT_ID, &mi); err == nil && mi.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT != 0 {
		return mi.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == path {
			return true
		}
	}
	return false
}
