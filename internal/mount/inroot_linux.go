package mount

import (
	"fmt"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"time"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// Bind is a host directory to show at Target inside the root of InRoot (a
// container's volume or bind mount).
type Bind struct {
	Source   string // host path
	Subpath  string // if set, the source is this path resolved inside Source (a volume's subpath)
	Target   string // absolute path inside the root
	ReadOnly bool
}

// InRoot runs fn with root as the file system root of the calling thread:
// every path fn uses, symlinks and ".." included, resolves inside root, so
// a container that swaps a directory for a symlink to "/" while a copy runs
// (the symlink-exchange race of docker cp, CVE-2018-15664) only ever leads
// back into its own root. Docker does the same with a chrooted child
// process; here a dedicated OS thread is enough:
//
//   - the goroutine is locked to its thread and never unlocked, so the Go
//     runtime ends the thread when fn returns instead of reusing it;
//   - unshare(CLONE_FS) gives the thread its own root and working
//     directory (unshare(2)): chroot(2) and chdir(2) then affect no other
//     thread of the daemon;
//   - threads the runtime starts while a locked thread runs are cloned
//     from its template thread, not from this one, so they do not inherit
//     the chroot.
//
// With binds, the thread also gets its own mount namespace (CLONE_NEWNS,
// private propagation: nothing reaches the host's) in which each bind is
// mounted on its target before the chroot, the target being opened inside
// root first (openat2 RESOLVE_IN_ROOT, or an O_PATH walk) and the mount
// made on that handle, so a symlink in the container cannot redirect it.
// A missing target directory is created (inside root); a missing file
// target is skipped. The namespace and its mounts go
// away with the thread.
//
// fn must use absolute paths as seen from root and must not load files
// of the host lazily (the local time zone is loaded before the chroot).
func InRoot(root string, binds []Bind, fn func() error) error {
	_, _ = time.Now().Zone() // load the host's zone info now, not from root
	errCh := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			// The main thread is never ended: a locked goroutine that
			// exits on it wedges it, chroot and namespace included, and
			// /proc/self would then show them. Hold it while another
			// thread does the work.
			errCh <- InRoot(root, binds, fn)
			runtime.UnlockOSThread()
			return
		}
		// No UnlockOSThread: the thread dies with the goroutine.
		errCh <- enterRoot(root, binds, fn)
	}()
	return <-errCh
}

func enterRoot(root string, binds []Bind, fn func() error) error {
	flags := unix.CLONE_FS
	if len(binds) > 0 {
		flags |= unix.CLONE_NEWNS
	}
	if err := unix.Unshare(flags); err != nil {
		return fmt.Errorf("unshare file system attributes: %w", err)
	}
	if len(binds) > 0 {
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("make mounts private: %w", err)
		}
		sorted := append([]Bind(nil), binds...)
		sort.SliceStable(sorted, func(i, j int) bool {
			return strings.Count(path.Clean(sorted[i].Target), "/") < strings.Count(path.Clean(sorted[j].Target), "/")
		})
		for _, b := range sorted {
			if err := bindInRoot(root, b); err != nil {
				return err
			}
		}
	}
	if err := unix.Chroot(root); err != nil {
		return fmt.Errorf("chroot to %s: %w", root, err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir in %s: %w", root, err)
	}
	return fn()
}

// bindInRoot mounts b's source on b.Target resolved inside root, both
// through handles (see BindFd).
func bindInRoot(root string, b Bind) error {
	h, herr := pathrs.OpenInRoot(root, b.Target)
	if herr == nil {
		defer h.Close()
	}
	src, dir, err := b.open()
	if err != nil {
		if herr != nil {
			return nil // neither source nor mount point: nothing to show
		}
		return fmt.Errorf("bind %s on %s: %w", b.Source, b.Target, err)
	}
	defer src.Close()
	if herr != nil {
		// A container not started yet has no mount point: make the
		// directory (inside root), as its start would.
		if !dir {
			return nil
		}
		if h, err = mountPointIn(root, b.Target); err != nil {
			return nil
		}
		defer h.Close()
	}
	top, err := BindFd(src, h, true)
	if err != nil {
		return fmt.Errorf("bind %s on %s: %w", b.Source, b.Target, err)
	}
	defer top.Close()
	if !b.ReadOnly {
		return nil
	}
	if err := unix.Mount("", FdPath(top), "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("remount %s read-only: %w", b.Target, err)
	}
	return nil
}

// open opens b's source: the host path, or its Subpath resolved inside it.
func (b Bind) open() (*os.File, bool, error) {
	if b.Subpath == "" {
		return OpenSource(b.Source)
	}
	f, err := pathrs.OpenInRoot(b.Source, b.Subpath)
	if err != nil {
		return nil, false, err
	}
	dir, err := isDir(f)
	if err != nil {
		f.Close()
		return nil, false, err
	}
	return f, dir, nil
}

// mountPointIn makes the directory target inside root and opens it.
func mountPointIn(root, target string) (*os.File, error) {
	r, err := os.OpenFile(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return MountPoint(r, target, true)
}
