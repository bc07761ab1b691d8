package network

import (
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/errdefs"
)

// portKey names a host port reservation: proto/ip/port.
func portKey(proto string, ip netip.Addr, port uint16) string {
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	return fmt.Sprintf("%s/%s/%d", proto, ip, port)
}

// reservePort binds (without listening) a socket on the host port so that
// nothing else takes it while the container publishes it; the packets
// themselves never reach the socket (DNAT sends them to the container).
func (m *Manager) reservePort(pr PortRequest, owner string) (uint16, string, error) {
	ip := pr.HostIP
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	if !ip.Is4() {
		return 0, "", fmt.Errorf("host IP %s: only IPv4 host addresses are supported", ip)
	}
	try := func(port uint16) (uint16, string, error) {
		typ := unix.SOCK_STREAM
		if pr.Proto == "udp" {
			typ = unix.SOCK_DGRAM
		}
		fd, err := unix.Socket(unix.AF_INET, typ|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return 0, "", err
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Port: int(port), Addr: ip.As4()}); err != nil {
			unix.Close(fd)
			if errors.Is(err, unix.EADDRINUSE) {
				if _, ours := m.ports[portKey(pr.Proto, ip, port)]; ours || port != 0 {
					return 0, "", errdefs.Conflict(fmt.Errorf("Bind for %s:%d failed: port is already allocated", ip, port))
				}
			}
			return 0, "", fmt.Errorf("Bind for %s:%d failed: %w", ip, port, err)
		}
		sa, err := unix.Getsockname(fd)
		if err != nil {
			unix.Close(fd)
			return 0, "", err
		}
		got := uint16(sa.(*unix.SockaddrInet4).Port)
		k := portKey(pr.Proto, ip, got)
		m.ports[k] = fd
		m.owner[k] = owner
		return got, k, nil
	}
	if pr.HostPortStart == 0 || pr.HostPortStart == pr.HostPortEnd {
		return try(pr.HostPortStart)
	}
	var last error
	for p := int(pr.HostPortStart); p <= int(pr.HostPortEnd); p++ {
		hp, k, err := try(uint16(p))
		if err == nil {
			return hp, k, nil
		}
		last = err
	}
	return 0, "", last
}

// freePort closes the reservation k if the endpoint owner holds it (a
// port freed early by ReleasePorts may be held by another one since).
func (m *Manager) freePort(k, owner string) {
	if fd, ok := m.ports[k]; ok && m.owner[k] == owner {
		unix.Close(fd)
		delete(m.ports, k)
		delete(m.owner, k)
	}
}

// ReleasePorts frees the host ports of the container at once (its process
// is gone), so that they are free when stop returns; Release, later,
// removes the rest, rules included. A container that was handing its ports
// over hands them over now.
func (m *Manager) ReleasePorts(containerID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.inheritLocked(containerID) {
		if err := m.applyLocked(); err != nil {
			m.log.Warn("rewrite rules", "err", err)
		}
	}
	for _, ep := range m.eps {
		if ep.ContainerID == containerID {
			for _, p := range ep.Ports {
				m.freePort(portKey(p.Proto, p.HostIP, p.HostPort), ep.ID)
			}
		}
	}
}
