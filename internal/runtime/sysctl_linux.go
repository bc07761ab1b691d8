package runtime

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// sysctlPath turns a sysctl key (net.ipv4.ip_forward, or the same with
// slashes) into its path under /proc/sys. Every component must be a plain
// name: an empty one, "." or ".." (which a key such as "net/../../x" would
// give) is refused, so the path never leaves /proc/sys.
func sysctlPath(key string) (string, error) {
	p := strings.ReplaceAll(key, ".", "/")
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." || c == ".." {
			return "", invalid("sysctl %q is not a valid key", key)
		}
	}
	return p, nil
}

// openProcSys opens the container's /proc/sys, after pivot_root, and
// checks that it is procfs's own: /proc must be a procfs root (statfs
// magic and inode), reached without any symlink, and /proc/sys a directory
// of that same mount (CVE-2025-52565 class: a /proc or /proc/sys that a
// bind or a symlink replaced would make sysctls land elsewhere).
func openProcSys() (int, error) {
	proc, err := unix.Openat2(unix.AT_FDCWD, "/proc", &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return -1, fmt.Errorf("open /proc: %w", err)
	}
	defer unix.Close(proc)
	if err := checkProcRoot(proc); err != nil {
		return -1, err
	}
	sys, err := unix.Openat2(proc, "sys", &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV,
	})
	if err != nil {
		return -1, fmt.Errorf("open /proc/sys of the container's procfs: %w", err)
	}
	return sys, nil
}

// procRootIno is the inode number of every procfs root (PROC_ROOT_INO).
const procRootIno = 1

// checkProcRoot refuses fd unless it is the root of a procfs.
func checkProcRoot(fd int) error {
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil {
		return fmt.Errorf("statfs /proc: %w", err)
	}
	if fs.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("/proc is not a procfs (filesystem type %#x)", fs.Type)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat /proc: %w", err)
	}
	if st.Ino != procRootIno {
		return fmt.Errorf("/proc is not the root of a procfs (inode %d)", st.Ino)
	}
	return nil
}

// writeSysctls writes each sysctl through the verified /proc/sys
// descriptor: each key is opened beneath it with openat2, following no
// symlink and crossing no mount.
func writeSysctls(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	sys, err := openProcSys()
	if err != nil {
		return err
	}
	defer unix.Close(sys)
	for k, v := range sysctl {
		if err := writeSysctl(sys, k, v); err != nil {
			return err
		}
	}
	return nil
}

func writeSysctl(sys int, key, value string) error {
	p, err := sysctlPath(key)
	if err != nil {
		return err
	}
	fd, err := unix.Openat2(sys, p, &unix.OpenHow{
		Flags:   unix.O_WRONLY | unix.O_TRUNC | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV,
	})
	if err != nil {
		return fmt.Errorf("set sysctl %s: open /proc/sys/%s: %w", key, p, err)
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, []byte(value)); err != nil {
		return fmt.Errorf("set sysctl %s: %w", key, err)
	}
	return nil
}
