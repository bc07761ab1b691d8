package mount

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// flagOptions maps mount(8) options to mount(2) flags; clear marks options
// that clear the flag.
var flagOptions = map[string]struct {
	clear bool
	flag  uintptr
}{
	"ro":          {false, unix.MS_RDONLY},
	"rw":          {true, unix.MS_RDONLY},
	"bind":        {false, unix.MS_BIND},
	"rbind":       {false, unix.MS_BIND | unix.MS_REC},
	"nosuid":      {false, unix.MS_NOSUID},
	"suid":        {true, unix.MS_NOSUID},
	"nodev":       {false, unix.MS_NODEV},
	"dev":         {true, unix.MS_NODEV},
	"noexec":      {false, unix.MS_NOEXEC},
	"exec":        {true, unix.MS_NOEXEC},
	"noatime":     {false, unix.MS_NOATIME},
	"relatime":    {false, unix.MS_RELATIME},
	"strictatime": {false, unix.MS_STRICTATIME},
	"sync":        {false, unix.MS_SYNCHRONOUS},
	"remount":     {false, unix.MS_REMOUNT},
}

// ParseOptions splits options into mount(2) flags and the data string.
func ParseOptions(options []string) (uintptr, string) {
	var flags uintptr
	var data []string
	for _, o := range options {
		if f, ok := flagOptions[o]; ok {
			if f.clear {
				flags &^= f.flag
			} else {
				flags |= f.flag
			}
			continue
		}
		data = append(data, o)
	}
	return flags, strings.Join(data, ",")
}

// Mount mounts m on target. A read-only bind mount is made in two steps
// (bind, then remount read-only), as mount(2) ignores MS_RDONLY on the first.
func (m Mount) Mount(target string) error {
	flags, data := ParseOptions(m.Options)
	typ := m.Type
	if flags&unix.MS_BIND != 0 {
		typ = ""
		data = ""
	}
	if err := unix.Mount(m.Source, target, typ, flags&^unix.MS_RDONLY|ifNotBind(flags), data); err != nil {
		return fmt.Errorf("mount %s (%s) on %s: %w", m.Source, m.Type, target, err)
	}
	if flags&unix.MS_BIND != 0 && flags&unix.MS_RDONLY != 0 {
		rf := unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | flags&(unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC)
		if err := unix.Mount("", target, "", rf, ""); err != nil {
			_ = unix.Unmount(target, unix.MNT_DETACH)
			return fmt.Errorf("remount %s read-only: %w", target, err)
		}
	}
	return nil
}

// ifNotBind keeps MS_RDONLY for non-bind mounts.
func ifNotBind(flags uintptr) uintptr {
	if flags&unix.MS_BIND != 0 {
		return 0
	}
	return flags & unix.MS_RDONLY
}

// All mounts ms on target in order; on failure the mounts already made are
// undone.
func All(ms []Mount, target string) error {
	for i, m := range ms {
		if err := m.Mount(target); err != nil {
			for j := 0; j < i; j++ {
				_ = Unmount(target)
			}
			return err
		}
	}
	return nil
}

// Once mounts m on the directory target, made if missing, unless
// something is mounted there already.
func Once(m Mount, target string) error {
	if IsMountPoint(target) {
		return nil
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("create mount point %s: %w", target, err)
	}
	return m.Mount(target)
}

// Unmount unmounts target; a target that is not mounted is not an error.
func Unmount(target string) error {
	for {
		err := unix.Unmount(target, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if errors.Is(err, unix.EBUSY) {
			if err2 := unix.Unmount(target, unix.MNT_DETACH); err2 == nil {
				return nil
			}
		}
		return fmt.Errorf("unmount %s: %w", target, err)
	}
}

// UnmountAll unmounts every mount stacked on target.
func UnmountAll(target string) error {
	for i := 0; i < 64; i++ {
		err := unix.Unmount(target, 0)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if err != nil {
			return Unmount(target)
		}
	}
	return nil
}

// WithTempMount mounts ms on a fresh temporary directory, calls fn with it
// and unmounts and removes it afterwards.
func WithTempMount(ms []Mount, fn func(root string) error) error {
	dir, err := mkdirTemp()
	if err != nil {
		return err
	}
	defer removeDir(dir)
	if err := All(ms, dir); err != nil {
		return err
	}
	ferr := fn(dir)
	if err := UnmountAll(dir); err != nil && ferr == nil {
		ferr = err
	}
	return ferr
}
