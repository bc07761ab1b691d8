// Package selfexe gives the runtime a handle on its own binary that
// nothing can write through, to re-execute it as a container's init or exec
// stage (CVE-2019-5736): a detached read-only bind mount of the binary, or
// else a sealed memfd copy.
package selfexe

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Sealed returns a handle on the running binary that nothing can write
// through. Processes that enter the container run from it, so nothing
// inside the container can reach and overwrite the host binary through
// /proc/PID/exe (CVE-2019-5736). The cheap way is a detached read-only bind
// mount of the binary (no copy); the fallback is a sealed memfd copy, as
// runc does.
func Sealed() (*os.File, error) {
	if f, err := readonlySelf(); err == nil {
		return f, nil
	}
	return memfdSelf()
}

// readonlySelf opens the binary through a private, detached, read-only
// bind mount of it (open_tree + mount_setattr): /proc/PID/exe of the child
// then points into a read-only mount, and reopening it for writing fails
// with EROFS.
func readonlySelf() (*os.File, error) {
	tree, err := unix.OpenTree(unix.AT_FDCWD, "/proc/self/exe", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("clone mount of own binary: %w", err)
	}
	defer unix.Close(tree)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		return nil, fmt.Errorf("make own binary read-only: %w", err)
	}
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(tree), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("reopen own binary: %w", err)
	}
	return os.NewFile(uintptr(fd), "berth-runtime"), nil
}

// memfdSelf returns a sealed, read-only memfd copy of the running binary.
func memfdSelf() (*os.File, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, fmt.Errorf("open own binary: %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat own binary: %w", err)
	}
	fd, err := unix.MemfdCreate("berth-runtime", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("create memfd for own binary: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "berth-runtime")
	size := fi.Size()
	var off int64
	for off < size {
		n, err := unix.Sendfile(fd, int(src.Fd()), nil, int(size-off))
		if err != nil {
			mem.Close()
			return nil, fmt.Errorf("copy own binary: %w", err)
		}
		if n == 0 {
			break
		}
		off += int64(n)
	}
	if err := unix.Fchmod(fd, 0o555); err != nil {
		mem.Close()
		return nil, fmt.Errorf("chmod memfd: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		mem.Close()
		return nil, fmt.Errorf("seal memfd: %w", err)
	}
	return mem, nil
}
