package runtime

import (
	"errors"
	"fmt"
	"os"
	"path"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/mount"
)

type devSpec struct {
	path         string
	typ          rune
	major, minor int64
	mode         os.FileMode
}

var defaultDevices = []devSpec{
	{"/dev/null", 'c', 1, 3, 0o666},
	{"/dev/zero", 'c', 1, 5, 0o666},
	{"/dev/full", 'c', 1, 7, 0o666},
	{"/dev/random", 'c', 1, 8, 0o666},
	{"/dev/urandom", 'c', 1, 9, 0o666},
	{"/dev/tty", 'c', 5, 0, 0o666},
}

// createDevices makes the default and the configured device nodes under
// root, each in its parent directory's handle (mknodat, never following a
// symlink) and given its mode explicitly (the process umask is left
// alone), or, in a user namespace, binds the host's node there.
func createDevices(root *os.File, extra []specs.LinuxDevice, userns bool) error {
	for _, d := range defaultDevices {
		if err := makeDevice(root, d.path, d.typ, d.major, d.minor, d.mode, nil, nil, userns); err != nil {
			return err
		}
	}
	for _, d := range extra {
		mode := os.FileMode(0o666)
		if d.FileMode != nil {
			mode = *d.FileMode & os.ModePerm
		}
		if err := makeDevice(root, d.Path, rune(d.Type[0]), d.Major, d.Minor, mode, d.UID, d.GID, userns); err != nil {
			return err
		}
	}
	return nil
}

func makeDevice(root *os.File, p string, typ rune, major, minor int64, mode os.FileMode, uid, gid *uint32, userns bool) error {
	if userns {
		// mknod is not allowed in a user namespace: bind the host's node.
		dst, err := mount.MountPoint(root, p, false)
		if err != nil {
			return fmt.Errorf("create device %s: %w", p, err)
		}
		defer dst.Close()
		return bindSource(p, dst, p, &mountOpts{flags: unix.MS_BIND})
	}
	dir, err := pathrs.MkdirAllHandle(root, path.Dir(path.Clean("/"+p)), 0o755)
	if err != nil {
		return fmt.Errorf("create device directory for %s: %w", p, err)
	}
	defer dir.Close()
	name := path.Base(p)
	var t uint32
	switch typ {
	case 'c', 'u':
		t = unix.S_IFCHR
	case 'b':
		t = unix.S_IFBLK
	case 'p':
		t = unix.S_IFIFO
	}
	_ = unix.Unlinkat(int(dir.Fd()), name, 0)
	if err := unix.Mknodat(int(dir.Fd()), name, t|uint32(mode), int(unix.Mkdev(uint32(major), uint32(minor)))); err != nil {
		return fmt.Errorf("create device %s: %w", p, err)
	}
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open device %s: %w", p, err)
	}
	node := os.NewFile(uintptr(fd), name)
	defer node.Close()
	if err := unix.Chmod(mount.FdPath(node), uint32(mode)); err != nil {
		return fmt.Errorf("chmod device %s: %w", p, err)
	}
	if uid != nil || gid != nil {
		u, g := -1, -1
		if uid != nil {
			u = int(*uid)
		}
		if gid != nil {
			g = int(*gid)
		}
		if err := unix.Fchownat(fd, "", u, g, unix.AT_EMPTY_PATH); err != nil {
			return fmt.Errorf("chown device %s: %w", p, err)
		}
	}
	return nil
}

func devSymlinks(root *os.File) error {
	links := [][2]string{
		{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
		{"pts/ptmx", "ptmx"},
	}
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"/proc/kcore", "core"})
	}
	dev, err := pathrs.MkdirAllHandle(root, "/dev", 0o755)
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer dev.Close()
	for _, l := range links {
		if l[1] == "ptmx" {
			_ = unix.Unlinkat(int(dev.Fd()), l[1], 0)
		}
		if err := unix.Symlinkat(l[0], int(dev.Fd()), l[1]); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("create symlink /dev/%s: %w", l[1], err)
		}
	}
	return nil
}
