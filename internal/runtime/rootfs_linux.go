package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// prepareRootfs runs before pivot_root, in the new mount namespace if there
// is one: it sets propagation, makes the rootfs a mount point, mounts the
// configured mounts (destinations resolved inside the rootfs) and fills
// /dev. Without a mount namespace the mounts land in the caller's, as with
// runc.
func prepareRootfs(spec *specs.Spec, rootfs string, userns, mountns bool) error {
	if mountns {
		if err := prepareRoot(spec, rootfs); err != nil {
			return err
		}
	}
	return prepareRootfsMounts(spec, rootfs, userns)
}

// prepareRoot sets the propagation of / and makes the rootfs a mount point
// for pivot_root.
func prepareRoot(spec *specs.Spec, rootfs string) error {
	prop := uintptr(unix.MS_SLAVE | unix.MS_REC)
	if p, ok := propagationFlags[spec.Linux.RootfsPropagation]; ok && p&unix.MS_UNBINDABLE == 0 {
		// unbindable would forbid the bind mounts below: it is applied
		// after pivot_root, like the others.
		prop = p
	}
	if err := unix.Mount("", "/", "", prop, ""); err != nil {
		return fmt.Errorf("set propagation of /: %w", err)
	}
	if prop&unix.MS_SHARED != 0 {
		// pivot_root refuses a shared parent mount; the asked propagation is
		// applied to the new root after pivot_root (finishRootfs).
		if err := parentMountPrivate(rootfs); err != nil {
			return err
		}
	}
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind mount rootfs %s: %w", rootfs, err)
	}
	return nil
}

// prepareRootfsMounts mounts the configured mounts and fills /dev.
func prepareRootfsMounts(spec *specs.Spec, rootfs string, userns bool) error {
	devBound := false
	for i := range spec.Mounts {
		m := &spec.Mounts[i]
		if filepath.Clean(m.Destination) == "/dev" && (m.Type == "bind" || hasOpt(m.Options, "bind") || hasOpt(m.Options, "rbind")) {
			devBound = true
		}
		if err := mountOne(rootfs, m, spec, userns); err != nil {
			return err
		}
	}
	if !devBound {
		if err := createDevices(rootfs, spec.Linux.Devices, userns); err != nil {
			return err
		}
		if err := devSymlinks(rootfs); err != nil {
			return err
		}
	}
	return nil
}

func hasOpt(opts []string, o string) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// mountOne mounts m under rootfs. The destination is resolved inside the
// rootfs, so symlinks in the rootfs never lead outside it.
func mountOne(rootfs string, m *specs.Mount, spec *specs.Spec, userns bool) error {
	dest, err := securejoin.SecureJoin(rootfs, m.Destination)
	if err != nil {
		return fmt.Errorf("resolve mount destination %s: %w", m.Destination, err)
	}
	o, err := parseOpts(m.Options)
	if err != nil {
		return fmt.Errorf("parse options of mount %s: %w", m.Destination, err)
	}
	if m.Type == "cgroup" || m.Type == "cgroup2" {
		return mountCgroup(dest, m, o, spec)
	}
	bind := o.flags&unix.MS_BIND != 0 || m.Type == "bind"
	if bind {
		if err := mountBind(m.Source, dest, m.Destination, o, rootfs); err != nil {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("create mount point %s: %w", m.Destination, err)
	}
	// re-check after creation: a racing symlink must not escape.
	if err := checkInside(rootfs, dest); err != nil {
		return err
	}
	flags := o.flags
	if err := unix.Mount(m.Source, dest, m.Type, flags, o.data); err != nil {
		if m.Type == "sysfs" && userns && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL)) {
			// sysfs cannot be mounted in a user namespace without its own
			// network namespace: fall back to a read-only bind as runc does.
			return mountBind("/sys", dest, m.Destination, &mountOpts{flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC}, rootfs)
		}
		return fmt.Errorf("mount %s (%s) on %s: %w", m.Source, m.Type, m.Destination, err)
	}
	return setPropagation(dest, m.Destination, o)
}

// parentMountPrivate makes the mount that holds rootfs private.
func parentMountPrivate(rootfs string) error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("read mountinfo: %w", err)
	}
	best := "/"
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMountinfo(f[4])
		if (rootfs == mp || strings.HasPrefix(rootfs, strings.TrimSuffix(mp, "/")+"/")) && len(mp) > len(best) {
			best = mp
		}
	}
	if err := unix.Mount("", best, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %s private: %w", best, err)
	}
	return nil
}

func unescapeMountinfo(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range s[i+1 : i+4] {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + byte(c-'0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func checkInside(rootfs, p string) error {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", p, err)
	}
	if real != rootfs && !strings.HasPrefix(real, rootfs+"/") {
		return fmt.Errorf("mount destination %s resolves outside the rootfs", p)
	}
	return nil
}

func setPropagation(dest, name string, o *mountOpts) error {
	for _, p := range o.propag {
		if err := unix.Mount("", dest, "", p, ""); err != nil {
			return fmt.Errorf("set propagation of %s: %w", name, err)
		}
	}
	return nil
}

// mountBind bind-mounts source on dest (created as a file or directory like
// the source). With rootfs set, dest is checked to still lie inside it once
// created.
func mountBind(source, dest, name string, o *mountOpts, rootfs string) error {
	fi, err := os.Stat(source)
	if err != nil {
		return fmt.Errorf("bind mount %s on %s: %w", source, name, err)
	}
	if fi.IsDir() {
		if err := os.MkdirAll(dest, 0o755); err != nil {
			return fmt.Errorf("create mount point %s: %w", name, err)
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return fmt.Errorf("create mount point %s: %w", name, err)
		}
		f, err := os.OpenFile(dest, os.O_CREATE|os.O_RDONLY|unix.O_NOFOLLOW, 0o644)
		if err != nil && !errors.Is(err, unix.EISDIR) {
			return fmt.Errorf("create mount point %s: %w", name, err)
		}
		if f != nil {
			f.Close()
		}
	}
	if rootfs != "" {
		if err := checkInside(rootfs, dest); err != nil {
			return err
		}
	}
	flags := o.flags | unix.MS_BIND
	if err := unix.Mount(source, dest, "", flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
		return fmt.Errorf("bind mount %s on %s: %w", source, name, err)
	}
	extra := flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	if extra != 0 {
		if err := remountBind(dest, extra); err != nil {
			return fmt.Errorf("remount %s with options: %w", name, err)
		}
	}
	if o.rro {
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		if err := unix.MountSetattr(-1, dest, unix.AT_RECURSIVE, &attr); err != nil {
			return fmt.Errorf("make %s recursively read-only: %w", name, err)
		}
	}
	for _, x := range o.extFlags {
		var attr unix.MountAttr
		switch x {
		case "rnosuid":
			attr.Attr_set = unix.MOUNT_ATTR_NOSUID
		case "rnodev":
			attr.Attr_set = unix.MOUNT_ATTR_NODEV
		case "rnoexec":
			attr.Attr_set = unix.MOUNT_ATTR_NOEXEC
		case "rrw":
			attr.Attr_clr = unix.MOUNT_ATTR_RDONLY
		case "rsuid":
			attr.Attr_clr = unix.MOUNT_ATTR_NOSUID
		case "rdev":
			attr.Attr_clr = unix.MOUNT_ATTR_NODEV
		case "rexec":
			attr.Attr_clr = unix.MOUNT_ATTR_NOEXEC
		default:
			continue
		}
		if err := unix.MountSetattr(-1, dest, unix.AT_RECURSIVE, &attr); err != nil {
			return fmt.Errorf("set %s on %s: %w", x, name, err)
		}
	}
	return setPropagation(dest, name, o)
}

// remountBind applies flags to a bind mount, keeping the flags the kernel
// locks (nosuid, nodev, noexec, ro inherited from the source).
func remountBind(dest string, flags uintptr) error {
	err := unix.Mount("", dest, "", flags|unix.MS_BIND|unix.MS_REMOUNT, "")
	if err == nil || !errors.Is(err, unix.EPERM) {
		return err
	}
	var st unix.Statfs_t
	if serr := unix.Statfs(dest, &st); serr != nil {
		return err
	}
	locked := uintptr(0)
	for _, p := range [][2]uintptr{{unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV}, {unix.ST_NOEXEC, unix.MS_NOEXEC}, {unix.ST_RDONLY, unix.MS_RDONLY}, {unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME}} {
		if uintptr(st.Flags)&p[0] != 0 {
			locked |= p[1]
		}
	}
	return unix.Mount("", dest, "", flags|locked|unix.MS_BIND|unix.MS_REMOUNT, "")
}
