package netglue

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/network"
)

// drainTimeout bounds the wait for a handed-over port's connections.
const drainTimeout = 10 * time.Second

// drain waits, before a container that handed its published ports over to
// another (a start-first redeploy) leaves network r, until the connections
// clients established with it through those ports have ended, at most
// drainTimeout: they finish with it while new ones reach its successor.
// Its names leave the network's DNS first. Connections from the container
// itself (its health checks) do not count.
func (s *Service) drain(m *network.Manager, r network.Record, c *container.Container) {
	ports := m.HandedOverPorts(c.ID, r.ID)
	c.Lock()
	pid, running := c.State.Pid, c.State.Running()
	c.Unlock()
	if len(ports) == 0 || !running {
		return
	}
	s.unregisterDNSOn(c.ID, r)
	for deadline := time.Now().Add(drainTimeout); ; {
		n, err := established(pid, ports)
		if err != nil || n == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.log.Info("network disconnect: connections still open after the drain", "id", c.ID, "count", n)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// established counts the established TCP connections to the local ports
// in the network namespace of process pid, from peers other than the
// namespace's loopback.
func established(pid int, ports []uint16) (int, error) {
	n := 0
	for _, f := range []string{"tcp", "tcp6"} {
		fh, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			return 0, err
		}
		k, err := countEstablished(fh, ports)
		fh.Close()
		if err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

// countEstablished reads a /proc/net/tcp or tcp6 table.
func countEstablished(r io.Reader, ports []uint16) (int, error) {
	const stateEstablished = "01"
	n := 0
	sc := bufio.NewScanner(r)
	sc.Scan() // the header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[3] != stateEstablished {
			continue
		}
		_, lport, ok := strings.Cut(f[1], ":")
		raddr, _, ok2 := strings.Cut(f[2], ":")
		p, err := strconv.ParseUint(lport, 16, 16)
		if !ok || !ok2 || err != nil || !slices.Contains(ports, uint16(p)) {
			continue
		}
		if a, ok := procAddr(raddr); ok && a.IsLoopback() {
			continue
		}
		n++
	}
	return n, sc.Err()
}

// procAddr decodes an address of /proc/net/tcp{,6}: 32-bit words in host
// (little-endian) order.
func procAddr(h string) (netip.Addr, bool) {
	b, err := hex.DecodeString(h)
	if err != nil || len(b)%4 != 0 {
		return netip.Addr{}, false
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	a, ok := netip.AddrFromSlice(b)
	return a.Unmap(), ok
}
