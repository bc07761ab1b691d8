package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/mount"
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

// prepareRootfsMounts mounts the configured mounts and fills /dev. The
// rootfs is opened once (after prepareRoot made it a mount point); every
// destination is resolved from that handle.
func prepareRootfsMounts(spec *specs.Spec, rootfs string, userns bool) error {
	root, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open rootfs: %w", err)
	}
	defer root.Close()
	devBound := false
	for i := range spec.Mounts {
		m := &spec.Mounts[i]
		if filepath.Clean(m.Destination) == "/dev" && (m.Type == "bind" || hasOpt(m.Options, "bind") || hasOpt(m.Options, "rbind")) {
			devBound = true
		}
		if err := mountOne(root, m, spec, userns); err != nil {
			return err
		}
	}
	if !devBound {
		if err := createDevices(root, spec.Linux.Devices, userns); err != nil {
			return err
		}
		if err := devSymlinks(root); err != nil {
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

// mountOne mounts m under root. The destination is opened once, resolved
// inside root (symlinks never lead outside it), and the mount is made on
// that handle: a symlink swapped in afterwards (CVE-2021-30465) is not
// looked at.
func mountOne(root *os.File, m *specs.Mount, spec *specs.Spec, userns bool) error {
	o, err := parseOpts(m.Options)
	if err != nil {
		return fmt.Errorf("parse options of mount %s: %w", m.Destination, err)
	}
	if o.flags&unix.MS_BIND != 0 || m.Type == "bind" {
		return mountBind(root, m, o)
	}
	dst, err := mount.MountPoint(root, m.Destination, true)
	if err != nil {
		return fmt.Errorf("create mount point %s: %w", m.Destination, err)
	}
	defer dst.Close()
	if m.Type == "cgroup" || m.Type == "cgroup2" {
		return mountCgroup(root, dst, m, o, spec)
	}
	if err := unix.Mount(m.Source, mount.FdPath(dst), m.Type, o.flags, o.data); err != nil {
		if m.Type == "sysfs" && userns && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL)) {
			// sysfs cannot be mounted in a user namespace without its own
			// network namespace: fall back to a read-only bind as runc does.
			return bindSource("/sys", dst, m.Destination, &mountOpts{flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC})
		}
		return fmt.Errorf("mount %s (%s) on %s: %w", m.Source, m.Type, m.Destination, err)
	}
	if len(o.propag) == 0 {
		return nil
	}
	top, err := reopenTop(root, dst, m.Destination)
	if err != nil {
		return err
	}
	defer top.Close()
	return setPropagation(mount.FdPath(top), m.Destination, o)
}

// reopenTop opens the mount just made on dst (a handle that still names
// the directory under it) through root again, and checks that what it
// finds is the root of a mount other than dst's: a swap in between can at
// most lead to another mount inside root, never outside.
func reopenTop(root, dst *os.File, name string) (*os.File, error) {
	top, err := pathrs.OpenatInRoot(root, name)
	if err != nil {
		return nil, fmt.Errorf("reopen mount %s: %w", name, err)
	}
	var under, st unix.Statx_t
	if err := unix.Statx(int(dst.Fd()), "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &under); err != nil {
		top.Close()
		return nil, fmt.Errorf("stat mount point %s: %w", name, err)
	}
	if err := unix.Statx(int(top.Fd()), "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &st); err != nil {
		top.Close()
		return nil, fmt.Errorf("stat mount %s: %w", name, err)
	}
	if st.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0 || st.Mnt_id == under.Mnt_id {
		top.Close()
		return nil, fmt.Errorf("mount %s changed while it was made", name)
	}
	return top, nil
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

func setPropagation(dest, name string, o *mountOpts) error {
	for _, p := range o.propag {
		if err := unix.Mount("", dest, "", p, ""); err != nil {
			return fmt.Errorf("set propagation of %s: %w", name, err)
		}
	}
	return nil
}

// mountBind bind-mounts m's source, a host path the spec's author
// trusts (symlinks followed, as Docker does), opened once: the mount point
// under root is made a directory or a file like it, and the source is
// mounted from that descriptor.
func mountBind(root *os.File, m *specs.Mount, o *mountOpts) error {
	src, dir, err := mount.OpenSource(m.Source)
	if err != nil {
		return fmt.Errorf("bind mount %s on %s: %w", m.Source, m.Destination, err)
	}
	defer src.Close()
	dst, err := mount.MountPoint(root, m.Destination, dir)
	if err != nil {
		return fmt.Errorf("create mount point %s: %w", m.Destination, err)
	}
	defer dst.Close()
	return bindFd(src, dst, m.Destination, o)
}

// bindSource bind-mounts the host path source on dst.
func bindSource(source string, dst *os.File, name string, o *mountOpts) error {
	src, _, err := mount.OpenSource(source)
	if err != nil {
		return fmt.Errorf("bind mount %s on %s: %w", source, name, err)
	}
	defer src.Close()
	return bindFd(src, dst, name, o)
}

// bindFd mounts src on dst (open handles) and applies o's flags,
// attributes and propagation to the new mount, through its own handle.
func bindFd(src, dst *os.File, name string, o *mountOpts) error {
	flags := o.flags | unix.MS_BIND
	top, err := mount.BindFd(src, dst, flags&unix.MS_REC != 0)
	if err != nil {
		return fmt.Errorf("bind mount on %s: %w", name, err)
	}
	defer top.Close()
	target := mount.FdPath(top)
	extra := flags &^ (unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT)
	if extra != 0 {
		if err := remountBind(target, extra); err != nil {
			return fmt.Errorf("remount %s with options: %w", name, err)
		}
	}
	if o.rro {
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		if err := unix.MountSetattr(int(top.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
			return fmt.Errorf("make %s recursively read-only: %w", name, err)
		}
	}
	for _, x := range o.extFlags {
		attr, ok := recursiveAttrs[x]
		if !ok {
			continue
		}
		if err := unix.MountSetattr(int(top.Fd()), "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
			return fmt.Errorf("set %s on %s: %w", x, name, err)
		}
	}
	return setPropagation(target, name, o)
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
