package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// ListenNetns serves on ListenAddr (udp and tcp) inside the network
// namespace at nsPath (/run/netns/x, /proc/<pid>/ns/net…), bringing its
// loopback up (127.0.0.11 lives on lo).
//
// Why a thread and setns: a socket belongs for life to the namespace it was
// created in, whatever thread later reads it. So one locked OS thread
// enters the namespace, creates the two sockets, and returns to the
// daemon's namespace; the server's goroutines then run anywhere, and the
// forwarder's sockets, made on ordinary threads, live in the daemon's
// namespace. setns(CLONE_NEWNET) is allowed in a multi-threaded process
// (unlike mount and user namespaces, see setns(2)). The thread stays locked
// while it is in the container's namespace so that the Go scheduler never
// runs another goroutine there; should the way back fail, the thread is
// left locked and the runtime destroys it when the goroutine ends.
func (s *Server) ListenNetns(nsPath string) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		pc, ln, back, err := listenInNetns(nsPath, ListenAddr)
		if back {
			runtime.UnlockOSThread()
		}
		if err != nil {
			done <- err
			return
		}
		done <- s.serve(pc, ln)
	}()
	return <-done
}

// listenInNetns must run on a locked thread. back reports whether the
// thread is in its original namespace again (true also when it never left).
func listenInNetns(nsPath string, ap netip.AddrPort) (pc *net.UDPConn, ln *net.TCPListener, back bool, err error) {
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, nil, true, fmt.Errorf("dns: open own network namespace: %w", err)
	}
	defer orig.Close()
	target, err := os.Open(nsPath)
	if err != nil {
		return nil, nil, true, fmt.Errorf("dns: open network namespace %s: %w", nsPath, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, nil, true, fmt.Errorf("dns: enter network namespace %s: %w", nsPath, err)
	}
	defer func() {
		if e := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); e != nil {
			back = false
			if pc != nil {
				pc.Close()
				ln.Close()
				pc, ln = nil, nil
			}
			err = errors.Join(err, fmt.Errorf("dns: return to own network namespace: %w", e))
			return
		}
		back = true
	}()
	// A fresh namespace has lo down: sockets bind on 127.0.0.11 but
	// nothing reaches them. Bringing it up is idempotent.
	if err := loopbackUp(); err != nil {
		return nil, nil, false, fmt.Errorf("dns: bring lo up in network namespace %s: %w", nsPath, err)
	}
	pc, ln, err = listenPair(ap)
	if err != nil {
		return nil, nil, false, fmt.Errorf("%w in network namespace %s", err, nsPath)
	}
	return pc, ln, false, nil
}

// loopbackUp sets IFF_UP on lo in the current thread's network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
