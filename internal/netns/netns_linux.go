package netns

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Do runs fn on a locked OS thread inside the network namespace open as ns
// and returns what it made. A socket belongs for life to the namespace it
// was created in, whatever thread later uses it, so the caller may use fn's
// sockets anywhere. setns(CLONE_NEWNET) is allowed in a multi-threaded
// process (unlike mount and user namespaces, see setns(2)), and since Go
// 1.10 the runtime never clones a new thread from a locked one. The thread
// stays locked while it is in ns, so that the scheduler never runs another
// goroutine there; should the way back fail, fn's value is closed, the
// thread is left locked and the runtime ends it with its goroutine.
func Do[T io.Closer](ns *os.File, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		v, back, err := enter(ns, fn)
		if back {
			runtime.UnlockOSThread()
		}
		done <- result{v, err}
	}()
	r := <-done
	return r.v, r.err
}

// enter must run on a locked thread. back reports whether the thread is in
// its own namespace again (true also when it never left).
func enter[T io.Closer](ns *os.File, fn func() (T, error)) (v T, back bool, err error) {
	own, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return v, true, fmt.Errorf("open own network namespace: %w", err)
	}
	defer own.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return v, true, fmt.Errorf("enter network namespace: %w", err)
	}
	v, err = fn()
	if e := unix.Setns(int(own.Fd()), unix.CLONE_NEWNET); e != nil {
		if err == nil {
			v.Close()
		}
		var zero T
		return zero, false, errors.Join(err, fmt.Errorf("return to own network namespace: %w", e))
	}
	return v, true, err
}
