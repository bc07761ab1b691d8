package runtime

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/mount"
)

// maskPaths masks each path, after pivot_root: a directory with an empty
// read-only tmpfs, a file with the container's /dev/null, checked once to
// be the 1:3 character device and mounted through that descriptor. A
// /dev without null (an empty volume at /dev) is refused too: the masks
// would silently not apply.
func maskPaths(paths []string) error {
	var null *os.File
	defer func() {
		if null != nil {
			null.Close()
		}
	}()
	for _, p := range paths {
		// Opened once (inside the container's root: this runs after
		// pivot_root) and masked through that handle.
		dst, dir, err := mount.OpenSource(p)
		if err != nil {
			continue // a missing path is left alone
		}
		if !dir && null == nil {
			if null, err = openDevNull(); err != nil {
				dst.Close()
				return fmt.Errorf("mask path %s: %w", p, err)
			}
		}
		err = maskPath(dst, dir, null)
		dst.Close()
		if err != nil {
			return fmt.Errorf("mask path %s: %w", p, err)
		}
	}
	return nil
}

// maskPath mounts an empty read-only tmpfs on the directory dst, or null
// on the file dst.
func maskPath(dst *os.File, dir bool, null *os.File) error {
	if dir {
		return unix.Mount("tmpfs", mount.FdPath(dst), "tmpfs", unix.MS_RDONLY, "")
	}
	top, err := mount.BindFd(null, dst, false)
	if err != nil {
		return err
	}
	return top.Close()
}

// openDevNull opens the container's /dev/null without following any
// symlink and refuses it unless it is the character device 1:3. When /dev
// is not the runtime's own tmpfs (a bind or a volume at /dev), /dev/null
// is whatever that directory holds: a symlink to a host file, or a plain
// file, would turn each mask into a view of that file, writable through
// the masked path (CVE-2025-31133 class).
func openDevNull() (*os.File, error) {
	fd, err := unix.Openat2(unix.AT_FDCWD, "/dev/null", &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return nil, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		unix.Close(fd)
		return nil, fmt.Errorf("/dev/null is not the null device but %s: refusing to mask paths with it", describeNode(&st))
	}
	return os.NewFile(uintptr(fd), "/dev/null"), nil
}

// describeNode names the kind of file st is, for errors.
func describeNode(st *unix.Stat_t) string {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return "a symlink"
	case unix.S_IFREG:
		return "a regular file"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFCHR:
		return fmt.Sprintf("the character device %d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	case unix.S_IFBLK:
		return fmt.Sprintf("the block device %d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	return fmt.Sprintf("a file of mode %#o", st.Mode)
}
