package integration

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/nftables"
	mdns "github.com/miekg/dns"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// outside is a server "outside" the host: a TCP listener in a network
// namespace of the test's own, linked to the host by a veth pair, with
// no route back to any container subnet. It answers each connection with
// the source address it sees, so a container reaching it proves both the
// route and the masquerading; on udp/53 it is a DNS server knowing one
// name, outside.test (10.1.2.3), the upstream for forwarding tests.
type outside struct {
	NS       string // the named network namespace
	Addr     string // the server's address (in its namespace)
	HostAddr string // the host end of the link
	Port     int
	queries  atomic.Int64 // DNS questions the server got
}

// Queries returns how many DNS questions the outside server got.
func (o *outside) Queries() int64 { return o.queries.Load() }

func startOutside(t *testing.T, prefix string) *outside {
	t.Helper()
	name := "bto" + strings.TrimPrefix(prefix, "bt")
	third := byte(time.Now().UnixNano()%200) + 20
	o := &outside{NS: name, Addr: fmt.Sprintf("10.213.%d.2", third), HostAddr: fmt.Sprintf("10.213.%d.1", third), Port: 9000}
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	ns, err := netns.NewNamed(name)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatalf("create netns %s: %v", name, err)
	}
	var l net.Listener
	var pc net.PacketConn
	func() {
		defer func() { _ = netns.Set(orig); runtime.UnlockOSThread() }()
		lo, _ := netlink.LinkByName("lo")
		_ = netlink.LinkSetUp(lo)
		l, err = net.Listen("tcp4", fmt.Sprintf(":%d", o.Port))
		if err == nil {
			pc, err = net.ListenPacket("udp4", ":53")
		}
	}()
	t.Cleanup(func() {
		if l != nil {
			l.Close()
		}
		if pc != nil {
			pc.Close()
		}
		ns.Close()
		_ = netns.DeleteNamed(name)
		if lk, err := netlink.LinkByName(name); err == nil {
			_ = netlink.LinkDel(lk)
		}
	})
	if err != nil {
		t.Fatalf("listen in %s: %v", name, err)
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			fmt.Fprintf(c, "from %s\n", host)
			c.Close()
		}
	}()
	// A DNS server upstream: outside.test. is 10.1.2.3, the rest NXDOMAIN.
	go func() {
		_ = mdns.ActivateAndServe(nil, pc, mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
			o.queries.Add(1)
			m := new(mdns.Msg)
			m.SetReply(r)
			switch {
			case len(r.Question) != 1 || r.Question[0].Name != "outside.test.":
				m.Rcode = mdns.RcodeNameError
			case r.Question[0].Qtype == mdns.TypeA:
				rr, _ := mdns.NewRR("outside.test. 60 IN A 10.1.2.3")
				m.Answer = append(m.Answer, rr)
			}
			_ = w.WriteMsg(m)
		}))
	}()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "eth0", PeerNamespace: netlink.NsFd(ns)}); err != nil {
		t.Fatalf("create veth %s: %v", name, err)
	}
	host, _ := netlink.LinkByName(name)
	a, _ := netlink.ParseAddr(o.HostAddr + "/30")
	if err := netlink.AddrAdd(host, a); err != nil {
		t.Fatal(err)
	}
	_ = netlink.LinkSetUp(host)
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	in, _ := h.LinkByName("eth0")
	b, _ := netlink.ParseAddr(o.Addr + "/30")
	if err := h.AddrAdd(in, b); err != nil {
		t.Fatal(err)
	}
	if err := h.LinkSetUp(in); err != nil {
		t.Fatal(err)
	}
	return o
}

// hostAddr returns a non-loopback IPv4 address of the host (that of the
// default route's interface, else any).
func hostAddr(t *testing.T) string {
	t.Helper()
	routes, _ := netlink.RouteList(nil, netlink.FAMILY_V4)
	for _, r := range routes {
		if r.Dst == nil && r.LinkIndex > 0 {
			if l, err := netlink.LinkByIndex(r.LinkIndex); err == nil {
				if addrs, _ := netlink.AddrList(l, netlink.FAMILY_V4); len(addrs) > 0 {
					return addrs[0].IP.String()
				}
			}
		}
	}
	addrs, _ := netlink.AddrList(nil, netlink.FAMILY_V4)
	for _, a := range addrs {
		if !a.IP.IsLoopback() && !strings.HasPrefix(a.IP.String(), "172.") {
			return a.IP.String()
		}
	}
	t.Fatal("the host has no non-loopback IPv4 address")
	return ""
}

// httpGet fetches http://addr/ from the host with a short timeout.
func tcpRead(addr string) (string, error) {
	c, err := net.DialTimeout("tcp4", addr, 3*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.0\r\n\r\n")
	buf := make([]byte, 4096)
	var out []byte
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			break
		}
	}
	return string(out), nil
}

// udpAsk sends msg to addr and returns the answer, retrying for a few
// seconds (the server may not listen yet: a refused datagram fails the
// socket, so each try uses a new one).
func udpAsk(addr, msg string) (string, error) {
	buf := make([]byte, 1500)
	var last error
	for i := 0; i < 10; i++ {
		c, err := net.Dial("udp4", addr)
		if err != nil {
			return "", err
		}
		_, _ = c.Write([]byte(msg))
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := c.Read(buf)
		c.Close()
		if err == nil {
			return string(buf[:n]), nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return "", fmt.Errorf("no answer from %s: %w", addr, last)
}

// buildUDPEcho builds the static udpecho helper into a fresh dir and
// returns the dir (to bind-mount into containers).
func buildUDPEcho(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "udpecho"), "./testdata/udpecho")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build udpecho: %v\n%s", err, out)
	}
	return dir
}

// berthLinks lists the host's links whose names start with prefix.
func berthLinks(prefix string) []string {
	var out []string
	links, _ := netlink.LinkList()
	for _, l := range links {
		if strings.HasPrefix(l.Attrs().Name, prefix) {
			out = append(out, l.Attrs().Name)
		}
	}
	return out
}

// portRules counts the DNAT rules in the daemon's nftables table.
func portRules(t *testing.T, table string) int {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := c.GetRules(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: table}, &nftables.Chain{Name: "ports"})
	if err != nil {
		t.Fatalf("list rules of table %s: %v", table, err)
	}
	return len(rules)
}

// portFree reports whether nothing holds the TCP port on all addresses.
func portFree(port int) bool {
	l, err := net.Listen("tcp4", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// freePort returns a TCP (and UDP) port that is free right now.
func freePort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp4", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if u, err := net.ListenPacket("udp4", fmt.Sprintf("0.0.0.0:%d", p)); err == nil {
			u.Close()
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}
