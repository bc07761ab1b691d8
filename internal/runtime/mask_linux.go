package runtime

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// maskPaths masks each path, after pivot_root: a directory with an empty
// read-only tmpfs, a file with the container's /dev/null, checked once to
// be the 1:3 character device and mounted through that descriptor. A
// /dev without null (an empty volume at /dev) is refused too: the masks
// would silently not apply.
func maskPaths(paths []string) error {
	null := -1
	defer func() {
		if null >= 0 {
			unix.Close(null)
		}
	}()
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		if fi.IsDir() {
			err = unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY, "")
		} else {
			if null < 0 {
				if null, err = openDevNull(); err != nil {
					return fmt.Errorf("mask path %s: %w", p, err)
				}
			}
			err = bindFd(null, p)
		}
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("mask path %s: %w", p, err)
		}
	}
	return nil
}

// openDevNull opens the container's /dev/null without following any
// symlink and refuses it unless it is the character device 1:3. When /dev
// is not the runtime's own tmpfs (a bind or a volume at /dev), /dev/null
// is whatever that directory holds: a symlink to a host file, or a plain
// file, would turn each mask into a view of that file, writable through
// the masked path (CVE-2025-31133 class).
func openDevNull() (int, error) {
	fd, err := unix.Openat2(unix.AT_FDCWD, "/dev/null", &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return -1, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != 1 || unix.Minor(st.Rdev) != 3 {
		unix.Close(fd)
		return -1, fmt.Errorf("/dev/null is not the null device but %s: refusing to mask paths with it", describeNode(&st))
	}
	return fd, nil
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

// bindFd bind-mounts the file open at fd onto target, through a clone of
// its mount (open_tree) rather than by path, so that what was checked is
// what is mounted.
func bindFd(fd int, target string) error {
	tree, err := unix.OpenTree(fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("clone mount of /dev/null: %w", err)
	}
	defer unix.Close(tree)
	return unix.MoveMount(tree, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH)
}
