package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/netns"
)

// ListenNetns serves inside the network namespace at nsPath
// (/run/netns/x, /proc/<pid>/ns/net…) for clients asking ListenAddr
// (127.0.0.11:53, udp and tcp), after bringing its loopback up (127.0.0.11
// lives on lo).
//
// The sockets listen on 127.0.0.11 at free ports, and RedirectTable in the
// namespace sends port 53 to them (see RedirectTable for why). A namespace
// that had the table already (the server of a running container reopened
// by a restarted daemon) gets the same ports again when they are free, so
// that the container's ongoing exchanges keep working. Without nftables in
// the kernel the server listens on 127.0.0.11:53 itself.
//
// The sockets are made on a thread inside the namespace (netns.Do); the
// server's goroutines then run anywhere, and the forwarder's sockets, made
// on ordinary threads, live in the daemon's namespace.
func (s *Server) ListenNetns(nsPath string) error {
	ns, err := os.Open(nsPath)
	if err != nil {
		return fmt.Errorf("dns: open network namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	oldUDP, oldTCP := redirectedPorts(int(ns.Fd()))
	pc, ln, err := inNetns(ns, func() (*net.UDPConn, *net.TCPListener, error) {
		return listenPorts(ListenAddr.Addr(), oldUDP, oldTCP)
	})
	if err != nil {
		return fmt.Errorf("%w in network namespace %s", err, nsPath)
	}
	rerr := redirect(int(ns.Fd()), udpPort(pc), tcpPort(ln))
	if rerr == nil {
		return s.serve(pc, ln)
	}
	pc.Close()
	ln.Close()
	pc, ln, err = inNetns(ns, func() (*net.UDPConn, *net.TCPListener, error) { return listenPair(ListenAddr) })
	if err != nil {
		return fmt.Errorf("%w in network namespace %s (and %w)", err, nsPath, rerr)
	}
	s.log.Warn("dns: listening on 127.0.0.11:53 itself: no redirect", "netns", nsPath, "err", rerr)
	return s.serve(pc, ln)
}

func udpPort(pc *net.UDPConn) uint16     { return pc.LocalAddr().(*net.UDPAddr).AddrPort().Port() }
func tcpPort(ln *net.TCPListener) uint16 { return ln.Addr().(*net.TCPAddr).AddrPort().Port() }

// listenPorts opens udp and tcp on ip at the given ports when they are
// free, else at any port.
func listenPorts(ip netip.Addr, udp, tcp uint16) (*net.UDPConn, *net.TCPListener, error) {
	pc, err := samePortOrAny(udp, func(port uint16) (*net.UDPConn, error) {
		return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, port)))
	})
	if err != nil {
		return nil, nil, fmt.Errorf("dns: listen udp %s: %w", ip, err)
	}
	ln, err := samePortOrAny(tcp, func(port uint16) (*net.TCPListener, error) {
		return net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, port)))
	})
	if err != nil {
		pc.Close()
		return nil, nil, fmt.Errorf("dns: listen tcp %s: %w", ip, err)
	}
	return pc, ln, nil
}

// samePortOrAny listens at port (0: any). A port still in use is tried
// again for a moment (the server just closed may not have released it
// yet), then any port is taken.
func samePortOrAny[T any](port uint16, listen func(uint16) (T, error)) (T, error) {
	l, err := listen(port)
	for i := 0; err != nil && port != 0 && errors.Is(err, unix.EADDRINUSE) && i < 20; i++ {
		time.Sleep(10 * time.Millisecond)
		l, err = listen(port)
	}
	if err != nil && port != 0 {
		l, err = listen(0)
	}
	return l, err
}

// inNetns runs listen inside the namespace open as ns (netns.Do), after
// bringing its lo up.
func inNetns(ns *os.File, listen func() (*net.UDPConn, *net.TCPListener, error)) (*net.UDPConn, *net.TCPListener, error) {
	s, err := netns.Do(ns, func() (sockets, error) {
		// A fresh namespace has lo down: sockets bind on 127.0.0.11 but
		// nothing reaches them. Bringing it up is idempotent.
		if err := loopbackUp(); err != nil {
			return sockets{}, fmt.Errorf("dns: bring lo up: %w", err)
		}
		pc, ln, err := listen()
		return sockets{pc, ln}, err
	})
	return s.pc, s.ln, err
}

// sockets are the server's two sockets.
type sockets struct {
	pc *net.UDPConn
	ln *net.TCPListener
}

func (s sockets) Close() error {
	s.pc.Close()
	return s.ln.Close()
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
