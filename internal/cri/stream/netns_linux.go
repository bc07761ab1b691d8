package stream

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// dialTimeout bounds a dial to a pod's port.
const dialTimeout = 10 * time.Second

// dialIn dials TCP addr from inside the network namespace at path (from
// the daemon's own when path is ""): the socket is made on a thread in
// that namespace and stays in it when the thread returns to the daemon's.
func dialIn(path, addr string) (net.Conn, error) {
	if path == "" {
		return net.DialTimeout("tcp", addr, dialTimeout)
	}
	ns, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open network namespace: %w", err)
	}
	defer ns.Close()
	type result struct {
		conn net.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		conn, back, err := enterAndDial(ns, addr)
		if back {
			runtime.UnlockOSThread()
		} // else the thread, stuck in the pod's namespace, ends with this goroutine
		done <- result{conn, err}
	}()
	r := <-done
	return r.conn, r.err
}

// enterAndDial must run on a locked thread. back reports whether the
// thread is in its own namespace again.
func enterAndDial(ns *os.File, addr string) (conn net.Conn, back bool, err error) {
	own, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, true, fmt.Errorf("open own network namespace: %w", err)
	}
	defer own.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, true, fmt.Errorf("enter network namespace: %w", err)
	}
	conn, err = net.DialTimeout("tcp", addr, dialTimeout)
	if e := unix.Setns(int(own.Fd()), unix.CLONE_NEWNET); e != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, false, errors.Join(err, fmt.Errorf("return to own network namespace: %w", e))
	}
	return conn, true, err
}
