package mount

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// Mounting by descriptor: a path that a container can change (anything
// under its rootfs or a volume it shares) is resolved once into an O_PATH
// handle, and the mount is made on, or from, that handle. A symlink
// swapped in between the check and the mount (the race of CVE-2021-30465)
// then changes nothing: the handle still names what was resolved.

// FdPath names the file open at f through procfs, for the calls that take
// only a path (mount(2), statfs, chmod): the kernel follows it to the open
// file, not by name.
func FdPath(f *os.File) string { return fmt.Sprintf("/proc/thread-self/fd/%d", f.Fd()) }

// OpenSource opens the source of a bind mount once, O_PATH: a host path
// the caller trusts, so its symlinks are followed (as Docker does). dir
// tells, from the descriptor, whether it is a directory.
func OpenSource(p string) (f *os.File, dir bool, err error) {
	fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, false, &os.PathError{Op: "open", Path: p, Err: err}
	}
	f = os.NewFile(uintptr(fd), p)
	dir, err = isDir(f)
	if err != nil {
		f.Close()
		return nil, false, err
	}
	return f, dir, nil
}

func isDir(f *os.File) (bool, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return false, fmt.Errorf("stat %s: %w", f.Name(), err)
	}
	return st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}

// MountPoint opens unsafePath, resolved inside root (openat2
// RESOLVE_IN_ROOT where the kernel has it), as a mount point, making it
// if missing: a directory when dir, else an empty file in a directory
// made so. Symlinks are followed only inside root; a dangling one leads
// to its target, made inside root, as with Docker.
func MountPoint(root *os.File, unsafePath string, dir bool) (*os.File, error) {
	var err error
	// A directory that another container keeps swapping with a symlink
	// can make one attempt fail (a dangling symlink met half-way): try
	// again a few times.
	for range 8 {
		var f *os.File
		if f, err = mountPoint(root, unsafePath, dir); err == nil {
			return f, nil
		}
	}
	return nil, err
}

func mountPoint(root *os.File, unsafePath string, dir bool) (*os.File, error) {
	// The name is resolved first only to find where dangling symlinks
	// point; it is then opened again from root, confined to it, so a
	// change in between still leads nowhere outside.
	rootName := FdPath(root)
	p, err := securejoin.SecureJoin(rootName, unsafePath)
	if err != nil {
		return nil, err
	}
	p = path.Clean("/" + strings.TrimPrefix(p, rootName))
	if dir {
		return pathrs.MkdirAllHandle(root, p, 0o755)
	}
	parent, err := pathrs.MkdirAllHandle(root, path.Dir(p), 0o755)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	return createFile(parent, path.Base(p))
}

// createFile makes name in dir (O_CREAT|O_NOFOLLOW), unless it exists,
// and opens it O_PATH without following it.
func createFile(dir *os.File, name string) (*os.File, error) {
	if name == "/" || name == "." || name == ".." {
		return nil, fmt.Errorf("mount point %q is not a file name", name)
	}
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_CREAT|unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err == nil {
		unix.Close(fd)
	} else if !errors.Is(err, unix.EISDIR) {
		return nil, fmt.Errorf("create mount point %s: %w", name, err)
	}
	fd, err = unix.Openat(int(dir.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open mount point %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT == unix.S_IFLNK {
		f.Close()
		return nil, fmt.Errorf("mount point %s changed into a symlink while it was made", name)
	}
	return f, nil
}

// BindFd attaches a copy of the mount at src (with the mounts below it
// when rec) onto dst, both open handles (open_tree + move_mount: no path
// is looked up again). It returns a handle on the new mount's top, which
// the caller closes: dst still names the directory the mount covers, so
// remounts (read-only, propagation) go through the returned handle.
func BindFd(src, dst *os.File, rec bool) (*os.File, error) {
	flags := unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC | unix.AT_EMPTY_PATH
	if rec {
		flags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(int(src.Fd()), "", uint(flags))
	if err != nil {
		return nil, fmt.Errorf("clone mount of %s: %w", src.Name(), err)
	}
	top := os.NewFile(uintptr(tree), src.Name())
	if err := unix.MoveMount(tree, "", int(dst.Fd()), "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		top.Close()
		return nil, fmt.Errorf("attach mount of %s: %w", src.Name(), err)
	}
	return top, nil
}
