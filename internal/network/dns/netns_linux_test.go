package dns

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	mdns "github.com/miekg/dns"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/netns"
	"github.com/berth/berth/internal/testutil"
)

// newNetns creates a named network namespace (prefix bt-dns-), lo down as
// a fresh one is, removed in cleanup.
func newNetns(t *testing.T) (name, path string) {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name = "bt-dns-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	return name, "/run/netns/" + name
}

// askIn sends one question to addr over proto from a socket created inside
// the namespace at nsPath.
func askIn(t *testing.T, nsPath, proto, addr, name string, qtype uint16) (*mdns.Msg, error) {
	t.Helper()
	f, err := os.Open(nsPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := netns.Do(f, func() (net.Conn, error) { return net.DialTimeout(proto, addr, 2*time.Second) })
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	co := &mdns.Conn{Conn: c}
	if err := co.WriteMsg(new(mdns.Msg).SetQuestion(name, qtype)); err != nil {
		return nil, err
	}
	return co.ReadMsg()
}

// threadNetns returns the network namespace of every thread of the process.
func threadNetns(t *testing.T) map[string]bool {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range tasks {
		if l, err := os.Readlink(p); err == nil {
			seen[l] = true
		}
	}
	return seen
}

func TestServeInNetns(t *testing.T) {
	testutil.RequireRoot(t)
	_, nsPath := newNetns(t)
	own, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	// The upstream listens on the host's loopback: only the daemon's
	// namespace reaches it, so forwarding works only if the forwarder's
	// sockets are made there.
	up := startUpstream(t, mdns.RcodeSuccess)
	s := New(Config{Names: testNames, Upstreams: []netip.AddrPort{up.addr}})
	if err := s.ListenNetns(nsPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	first := s.Addr()
	if first.Addr() != ListenAddr.Addr() || first.Port() == 53 {
		t.Errorf("Addr() = %s, want 127.0.0.11 at a free port behind the redirect", first)
	}
	if seen := threadNetns(t); len(seen) != 1 || !seen[own] {
		t.Errorf("threads left in other namespaces: %v (own %s)", seen, own)
	}

	for i, proto := range []string{"udp", "tcp"} {
		r, err := askIn(t, nsPath, proto, "127.0.0.11:53", "web.", mdns.TypeA)
		if err != nil {
			t.Fatalf("%s: ask web from inside: %v", proto, err)
		}
		if got := strings.Join(answers(r), ","); got != "10.0.0.2" {
			t.Errorf("%s: web = %q, want 10.0.0.2", proto, got)
		}
		r, err = askIn(t, nsPath, proto, "127.0.0.11:53", "example.org.", mdns.TypeA)
		if err != nil {
			t.Fatalf("%s: ask example.org from inside: %v", proto, err)
		}
		if got, want := strings.Join(answers(r), ","), "192.0.2."+string(rune('1'+i)); got != want {
			t.Errorf("%s: forwarded example.org = %q, want %q from the host-loopback upstream", proto, got, want)
		}
	}
	if n := up.count.Load(); n != 2 {
		t.Errorf("upstream asked %d times, want 2", n)
	}
	up.count.Store(10) // busybox asks A and AAAA: answers from 192.0.2.11 on

	// A real resolver client in the namespace: busybox's nslookup.
	name := strings.TrimPrefix(nsPath, "/run/netns/")
	for q, want := range map[string]string{"web": "10.0.0.2", "example.org": "192.0.2."} {
		out, err := exec.Command("ip", "netns", "exec", name, "busybox", "nslookup", q, "127.0.0.11").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Address: "+want) {
			t.Errorf("busybox nslookup %s: %v\n%s", q, err, out)
		}
	}

	// The container may run its own DNS server on 0.0.0.0:53: nothing of
	// ours is in its way, and 127.0.0.11:53 still reaches us.
	nsFile, err := os.Open(nsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer nsFile.Close()
	own53u, own53t, err := inNetns(nsFile, func() (*net.UDPConn, *net.TCPListener, error) {
		return listenPair(netip.MustParseAddrPort("0.0.0.0:53"))
	})
	if err != nil {
		t.Fatalf("a server of the container's own on 0.0.0.0:53: %v", err)
	}
	for _, proto := range []string{"udp", "tcp"} {
		if r, err := askIn(t, nsPath, proto, "127.0.0.11:53", "web.", mdns.TypeA); err != nil || strings.Join(answers(r), ",") != "10.0.0.2" {
			t.Errorf("%s with the container's own :53 bound: %v %v", proto, r, err)
		}
	}
	own53u.Close()
	own53t.Close()
	// The redirect table is in the container's namespace, not the host's.
	if host, err := nftables.New(); err == nil {
		tables, _ := host.ListTables()
		for _, tb := range tables {
			if tb.Name == RedirectTable {
				t.Errorf("table %s in the host's namespace", RedirectTable)
			}
		}
	}

	// The sockets are in the container's namespace, not the host's.
	if r, err := askHost("127.0.0.11:53"); err == nil && strings.Join(answers(r), ",") == "10.0.0.2" {
		t.Error("the host's 127.0.0.11:53 answers the container's names")
	}

	// Restart: close, then a new server opens on the namespace of a
	// process in it, as a restarted daemon does with /proc/<pid>/ns/net.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := askIn(t, nsPath, "tcp", "127.0.0.11:53", "web.", mdns.TypeA); err == nil {
		t.Error("closed server still answers over tcp")
	}
	cmd := exec.Command("ip", "netns", "exec", name, "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	procNs := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/net"
	testutil.WaitFor(t, 5*time.Second, func() error {
		a, err := os.Readlink(procNs)
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Stat(nsPath, &st); err != nil {
			return err
		}
		if want := "net:[" + strconv.FormatUint(st.Ino, 10) + "]"; a != want {
			return errors.New("sleep not in the namespace yet: " + a + " want " + want)
		}
		return nil
	})
	var servers Servers
	defer servers.CloseAll()
	for range 2 { // a second Start replaces the first
		if err := servers.Start("c1", procNs, Config{Names: testNames, Upstreams: []netip.AddrPort{up.addr}}); err != nil {
			t.Fatalf("reopen in %s: %v", procNs, err)
		}
	}
	r, err := askIn(t, nsPath, "udp", "127.0.0.11:53", "web.", mdns.TypeAAAA)
	if err != nil || strings.Join(answers(r), ",") != "fd00::2" {
		t.Errorf("after reopen: %v %v", r, err)
	}
	if got := servers.Get("c1").Addr(); got != first {
		t.Errorf("reopened at %s, want the same ports as before (%s)", got, first)
	}
	servers.Stop("c1")
	if servers.Get("c1") != nil {
		t.Error("stopped server still listed")
	}
	if _, err := askIn(t, nsPath, "tcp", "127.0.0.11:53", "web.", mdns.TypeA); err == nil {
		t.Error("stopped server still answers over tcp")
	}

	// A namespace that does not exist: a clear error, no thread left behind.
	if err := New(Config{}).ListenNetns("/run/netns/bt-dns-missing"); err == nil || !strings.Contains(err.Error(), "bt-dns-missing") {
		t.Errorf("missing namespace: %v", err)
	}
	// No thread of ListenNetns (or askIn) stays in another namespace.
	testutil.WaitFor(t, 5*time.Second, func() error {
		if seen := threadNetns(t); len(seen) != 1 || !seen[own] {
			return fmt.Errorf("threads left in other namespaces: %v", seen)
		}
		return nil
	})
}

func askHost(addr string) (*mdns.Msg, error) {
	c := &mdns.Client{Net: "tcp", Timeout: time.Second}
	r, _, err := c.Exchange(new(mdns.Msg).SetQuestion("web.", mdns.TypeA), addr)
	return r, err
}
