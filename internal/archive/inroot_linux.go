package archive

import (
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

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
// fn must use absolute paths as seen from root and must not load files
// of the host lazily (the local time zone is loaded before the chroot).
func InRoot(root string, fn func() error) error {
	_, _ = time.Now().Zone() // load the host's zone info now, not from root
	errCh := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the thread dies with the goroutine.
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errCh <- fmt.Errorf("unshare file system attributes: %w", err)
			return
		}
		if err := unix.Chroot(root); err != nil {
			errCh <- fmt.Errorf("chroot to %s: %w", root, err)
			return
		}
		if err := unix.Chdir("/"); err != nil {
			errCh <- fmt.Errorf("chdir in %s: %w", root, err)
			return
		}
		errCh <- fn()
	}()
	return <-errCh
}
