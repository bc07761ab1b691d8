package initbin

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// initCopyName is the file name of the sealed init copy in its directory.
const initCopyName = "docker-init"

// fsImmutableFL is FS_IMMUTABLE_FL of linux/fs.h (x/sys names only the
// statx form).
const fsImmutableFL = 0x10

// sealInit copies the init at src into a tmpfs of its own mounted at dir
// and returns the copy's path, the source --init bind-mounts into
// containers (oci.InitPath). Containers never see src itself: a container
// with CAP_SYS_ADMIN can remount its bind of the init read-write (the bind
// and the superblock both), and through /proc/1/exe reach the file's inode
// (CVE-2019-5736). So the copy is immutable (FS_IMMUTABLE_FL, which only
// CAP_LINUX_IMMUTABLE may clear and no default container has it): whatever
// the mount flags, no write, truncate, chmod or chown reaches it, and the
// tmpfs holds nothing else. The tmpfs is remounted read-only on top.
//
// A memfd sealed against writes would do as well, but neither runc nor a
// kernel bind mount accepts a memfd as a mount source.
func sealInit(src, dir string) (string, error) {
	Release(dir) // a copy left by a daemon that died
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("open init %s: %w", src, err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return "", fmt.Errorf("stat init %s: %w", src, err)
	}
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	size := strconv.FormatInt(fi.Size()+1<<20, 10)
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0711,nr_inodes=8,size="+size); err != nil {
		return "", fmt.Errorf("mount tmpfs for the init copy at %s: %w", dir, err)
	}
	dst := filepath.Join(dir, initCopyName)
	if err := writeSealed(in, dst); err != nil {
		Release(dir)
		return "", err
	}
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		Release(dir)
		return "", fmt.Errorf("make the init copy's tmpfs %s read-only: %w", dir, err)
	}
	return dst, nil
}

// writeSealed copies in to dst (mode 0555) and marks dst immutable.
func writeSealed(in io.Reader, dst string) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY|unix.O_NOFOLLOW, 0o555)
	if err != nil {
		return fmt.Errorf("create init copy %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy init to %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy init to %s: %w", dst, err)
	}
	ro, err := os.OpenFile(dst, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("reopen init copy %s: %w", dst, err)
	}
	defer ro.Close()
	if err := unix.IoctlSetPointerInt(int(ro.Fd()), unix.FS_IOC_SETFLAGS, fsImmutableFL); err != nil {
		return fmt.Errorf("make init copy %s immutable (tmpfs takes file attributes from Linux 6.0): %w", dst, err)
	}
	return nil
}

// Release detaches every tmpfs sealInit stacked at dir and removes the
// directory. Running containers keep their own bind of the copy.
func Release(dir string) {
	for unix.Unmount(dir, unix.MNT_DETACH) == nil {
	}
	_ = os.Remove(dir)
}
