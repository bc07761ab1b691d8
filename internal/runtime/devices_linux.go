package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
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

func createDevices(rootfs string, extra []specs.LinuxDevice, userns bool) error {
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, d := range defaultDevices {
		if err := makeDevice(rootfs, d.path, d.typ, d.major, d.minor, d.mode, nil, nil, userns); err != nil {
			return err
		}
	}
	for _, d := range extra {
		mode := os.FileMode(0o666)
		if d.FileMode != nil {
			mode = *d.FileMode & os.ModePerm
		}
		if err := makeDevice(rootfs, d.Path, rune(d.Type[0]), d.Major, d.Minor, mode, d.UID, d.GID, userns); err != nil {
			return err
		}
	}
	return nil
}

func makeDevice(rootfs, p string, typ rune, major, minor int64, mode os.FileMode, uid, gid *uint32, userns bool) error {
	dest, err := securejoin.SecureJoin(rootfs, p)
	if err != nil {
		return fmt.Errorf("resolve device path %s: %w", p, err)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fmt.Errorf("create device directory for %s: %w", p, err)
	}
	if userns {
		// mknod is not allowed in a user namespace: bind the host's node.
		f, err := os.OpenFile(dest, os.O_CREATE|os.O_RDONLY|unix.O_NOFOLLOW, 0o644)
		if err != nil {
			return fmt.Errorf("create device %s: %w", p, err)
		}
		f.Close()
		if err := unix.Mount(p, dest, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind device %s: %w", p, err)
		}
		return nil
	}
	var t uint32
	switch typ {
	case 'c', 'u':
		t = unix.S_IFCHR
	case 'b':
		t = unix.S_IFBLK
	case 'p':
		t = unix.S_IFIFO
	}
	_ = os.Remove(dest)
	if err := unix.Mknod(dest, t|uint32(mode), int(unix.Mkdev(uint32(major), uint32(minor)))); err != nil {
		return fmt.Errorf("create device %s: %w", p, err)
	}
	if err := unix.Chmod(dest, uint32(mode)); err != nil {
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
		if err := unix.Lchown(dest, u, g); err != nil {
			return fmt.Errorf("chown device %s: %w", p, err)
		}
	}
	return nil
}

func devSymlinks(rootfs string) error {
	links := [][2]string{
		{"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
		{"pts/ptmx", "/dev/ptmx"},
	}
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"/proc/kcore", "/dev/core"})
	}
	for _, l := range links {
		dest, err := securejoin.SecureJoin(rootfs, l[1])
		if err != nil {
			return fmt.Errorf("resolve %s: %w", l[1], err)
		}
		if l[1] == "/dev/ptmx" {
			_ = os.Remove(dest)
		}
		if err := os.Symlink(l[0], dest); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("create symlink %s: %w", l[1], err)
		}
	}
	return nil
}
