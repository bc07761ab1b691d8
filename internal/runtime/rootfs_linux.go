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
		return mountBind(m.Source, dest, m.Destination, o)
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
			return mountBind("/sys", dest, m.Destination, &mountOpts{flags: unix.MS_BIND | unix.MS_REC | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC})
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

func mountBind(source, dest, name string, o *mountOpts) error {
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
	rootOf := filepath.Dir(dest)
	_ = rootOf
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

// mountCgroup mounts the cgroup file system at dest. With cgroup v2 (or a
// cgroup namespace) the real file system is mounted; on v1 hosts a tmpfs is
// mounted with a bind of each hierarchy's container cgroup under it.
func mountCgroup(dest string, m *specs.Mount, o *mountOpts, spec *specs.Spec) error {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("create mount point %s: %w", m.Destination, err)
	}
	flags := o.flags | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	if isCgroup2("/sys/fs/cgroup") {
		if err := unix.Mount("cgroup2", dest, "cgroup2", flags, ""); err != nil {
			// without a cgroup namespace, bind the container's own cgroup.
			self, perr := ownCgroupPath("")
			if perr != nil {
				return fmt.Errorf("mount cgroup2 on %s: %w", m.Destination, err)
			}
			return mountBind(filepath.Join("/sys/fs/cgroup", self), dest, m.Destination, &mountOpts{flags: flags | unix.MS_BIND})
		}
		return nil
	}
	if err := unix.Mount("tmpfs", dest, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=755"); err != nil {
		return fmt.Errorf("mount tmpfs for cgroups on %s: %w", m.Destination, err)
	}
	ents, err := os.ReadDir("/sys/fs/cgroup")
	if err != nil {
		return fmt.Errorf("list cgroup hierarchies: %w", err)
	}
	for _, e := range ents {
		host := filepath.Join("/sys/fs/cgroup", e.Name())
		fi, err := os.Lstat(host)
		if err != nil {
			continue
		}
		target := filepath.Join(dest, e.Name())
		if fi.Mode()&os.ModeSymlink != 0 {
			if l, err := os.Readlink(host); err == nil {
				_ = os.Symlink(l, target)
			}
			continue
		}
		if !fi.IsDir() {
			continue
		}
		var sfs unix.Statfs_t
		if unix.Statfs(host, &sfs) != nil || (sfs.Type != unix.CGROUP_SUPER_MAGIC && sfs.Type != unix.CGROUP2_SUPER_MAGIC) {
			continue
		}
		sub := host
		if sfs.Type == unix.CGROUP_SUPER_MAGIC {
			if p, err := ownCgroupPath(e.Name()); err == nil {
				sub = filepath.Join(host, p)
			}
		} else if p, err := ownCgroupPath(""); err == nil {
			sub = filepath.Join(host, p)
		}
		if err := os.MkdirAll(target, 0o755); err != nil {
			return fmt.Errorf("create cgroup mount point %s: %w", target, err)
		}
		if err := unix.Mount(sub, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind cgroup %s: %w", sub, err)
		}
		if err := remountBind(target, flags&^unix.MS_BIND); err != nil {
			return fmt.Errorf("remount cgroup %s: %w", target, err)
		}
	}
	if o.flags&unix.MS_RDONLY != 0 {
		if err := unix.Mount("", dest, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=755"); err != nil {
			return fmt.Errorf("remount %s read-only: %w", m.Destination, err)
		}
	}
	return nil
}

func isCgroup2(p string) bool {
	var st unix.Statfs_t
	return unix.Statfs(p, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// selfCgroups holds this process's cgroup paths by hierarchy, read before
// the cgroup namespace is entered (after which they are relative).
var selfCgroups map[string]string

func readSelfCgroups() {
	selfCgroups = map[string]string{}
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			selfCgroups[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			selfCgroups[strings.TrimPrefix(c, "name=")] = parts[2]
		}
		selfCgroups[parts[1]] = parts[2]
	}
}

// ownCgroupPath returns this process's cgroup path for the hierarchy
// mounted at /sys/fs/cgroup/<controller> (a v1 controller list such as
// "cpu,cpuacct" or "systemd"), or the unified path when controller is "".
func ownCgroupPath(controller string) (string, error) {
	if selfCgroups == nil {
		readSelfCgroups()
	}
	if p, ok := selfCgroups[controller]; ok {
		return p, nil
	}
	for _, c := range strings.Split(controller, ",") {
		if p, ok := selfCgroups[c]; ok && controller != "" {
			return p, nil
		}
	}
	return "", fmt.Errorf("no cgroup for controller %q", controller)
}

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

// enterRoot makes rootfs the root: pivot_root in a mount namespace, chroot
// without one.
func enterRoot(rootfs string, mountns, noPivot bool) error {
	if mountns && !noPivot {
		return pivotRoot(rootfs)
	}
	if mountns {
		if err := unix.Chdir(rootfs); err != nil {
			return fmt.Errorf("chdir to %s: %w", rootfs, err)
		}
		if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
			return fmt.Errorf("move %s to /: %w", rootfs, err)
		}
		rootfs = "."
	}
	if err := unix.Chroot(rootfs); err != nil {
		return fmt.Errorf("chroot to %s: %w", rootfs, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	return nil
}

// pivotRoot makes rootfs the root of the mount namespace and detaches the
// old root.
func pivotRoot(rootfs string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldroot)
	newroot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open new root %s: %w", rootfs, err)
	}
	defer unix.Close(newroot)
	if err := unix.Fchdir(newroot); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root to %s: %w", rootfs, err)
	}
	if err := unix.Fchdir(oldroot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root a slave: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	return nil
}

// finishRootfs runs after pivot_root: read-only and masked paths, then a
// read-only root if asked.
func finishRootfs(spec *specs.Spec, mountns bool) error {
	for _, p := range spec.Linux.ReadonlyPaths {
		if err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue
			}
			return fmt.Errorf("bind readonly path %s: %w", p, err)
		}
		if err := remountBind(p, unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC); err != nil {
			return fmt.Errorf("make %s read-only: %w", p, err)
		}
	}
	for _, p := range spec.Linux.MaskedPaths {
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		if fi.IsDir() {
			err = unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY, "")
		} else {
			err = unix.Mount("/dev/null", p, "", unix.MS_BIND, "")
		}
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("mask path %s: %w", p, err)
		}
	}
	if spec.Root.Readonly && mountns {
		if err := remountBind("/", unix.MS_RDONLY); err != nil {
			return fmt.Errorf("make root read-only: %w", err)
		}
	}
	if p, ok := propagationFlags[spec.Linux.RootfsPropagation]; ok && mountns {
		if err := unix.Mount("", "/", "", p, ""); err != nil {
			return fmt.Errorf("set rootfs propagation %s: %w", spec.Linux.RootfsPropagation, err)
		}
	}
	return nil
}
