package dns

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// fakeUpstream serves on 127.0.0.1 (udp and tcp, one port) and answers
// every A question with 192.0.2.<n> where n counts the questions, or rcode
// when set.
type fakeUpstream struct {
	addr  netip.AddrPort
	count atomic.Int32
	rcode int
}

func startUpstream(t testing.TB, rcode int) *fakeUpstream {
	t.Helper()
	f := &fakeUpstream{rcode: rcode}
	h := mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		n := f.count.Add(1)
		m := new(mdns.Msg).SetReply(r)
		if f.rcode != mdns.RcodeSuccess {
			m.Rcode = f.rcode
		} else if r.Question[0].Qtype == mdns.TypeA {
			m.Answer = append(m.Answer, &mdns.A{
				Hdr: mdns.RR_Header{Name: r.Question[0].Name, Rrtype: mdns.TypeA, Class: mdns.ClassINET, Ttl: 30},
				A:   net.IPv4(192, 0, 2, byte(n)),
			})
		}
		_ = w.WriteMsg(m)
	})
	var pc *net.UDPConn
	var ln *net.TCPListener
	var err error
	for range 10 { // udp's port may be taken in tcp
		if pc, ln, err = listenPair(netip.MustParseAddrPort("127.0.0.1:0")); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	f.addr = pc.LocalAddr().(*net.UDPAddr).AddrPort()
	started := make(chan struct{}, 2)
	udp := &mdns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: func() { started <- struct{}{} }}
	tcp := &mdns.Server{Listener: ln, Handler: h, NotifyStartedFunc: func() { started <- struct{}{} }}
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	<-started
	<-started
	t.Cleanup(func() { _ = udp.Shutdown(); _ = tcp.Shutdown() })
	return f
}

// testNames knows "web" (and "web.net1") at 10.0.0.2 and fd00::2, "v4only",
// and "many" with 100 addresses.
var testNames = NamesFunc(func(name string) ([]netip.Addr, bool) {
	switch name {
	case "web", "web.net1":
		return []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("fd00::2")}, true
	case "v4only":
		return []netip.Addr{netip.MustParseAddr("10.0.0.3")}, true
	case "many":
		var l []netip.Addr
		for i := range 100 {
			l = append(l, netip.AddrFrom4([4]byte{10, 1, 0, byte(i)}))
		}
		return l, true
	}
	return nil, false
}, func(a netip.Addr) ([]string, bool) {
	switch a.String() {
	case "10.0.0.2", "fd00::2":
		return []string{"web.net1"}, true
	}
	return nil, false
})

func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s := New(cfg)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func ask(t *testing.T, s *Server, proto, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg).SetQuestion(name, qtype)
	c := &mdns.Client{Net: proto, Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, s.Addr().String())
	if err != nil {
		t.Fatalf("%s %s %s: %v", proto, name, mdns.TypeToString[qtype], err)
	}
	return r
}

func answers(r *mdns.Msg) []string {
	var l []string
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *mdns.A:
			l = append(l, v.A.String())
		case *mdns.AAAA:
			l = append(l, v.AAAA.String())
		case *mdns.PTR:
			l = append(l, v.Ptr)
		default:
			l = append(l, rr.String())
		}
	}
	return l
}

func TestLocalAnswers(t *testing.T) {
	up := startUpstream(t, mdns.RcodeSuccess)
	s := startServer(t, Config{Names: testNames, Upstreams: []netip.AddrPort{up.addr}})
	for _, proto := range []string{"udp", "tcp"} {
		cases := []struct {
			name  string
			qtype uint16
			want  string
		}{
			{"web.", mdns.TypeA, "10.0.0.2"},
			{"WeB.", mdns.TypeA, "10.0.0.2"},
			{"web.net1.", mdns.TypeA, "10.0.0.2"},
			{"web.", mdns.TypeAAAA, "fd00::2"},
			{"v4only.", mdns.TypeAAAA, ""}, // known name, no IPv6: empty, not forwarded
			{"web.", mdns.TypeMX, ""},
			{"web.", mdns.TypeANY, "10.0.0.2,fd00::2"},
			{"2.0.0.10.in-addr.arpa.", mdns.TypePTR, "web.net1."},
			{"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", mdns.TypePTR, "web.net1."},
		}
		for _, c := range cases {
			r := ask(t, s, proto, c.name, c.qtype)
			got := strings.Join(answers(r), ",")
			if r.Rcode != mdns.RcodeSuccess || got != c.want || !r.Authoritative {
				t.Errorf("%s %s %s: rcode %s answers %q aa=%v, want NOERROR %q aa", proto, c.name,
					mdns.TypeToString[c.qtype], mdns.RcodeToString[r.Rcode], got, r.Authoritative, c.want)
			}
			for _, rr := range r.Answer {
				if rr.Header().Ttl != TTL {
					t.Errorf("%s: ttl %d, want %d", c.name, rr.Header().Ttl, TTL)
				}
			}
		}
	}
	if n := up.count.Load(); n != 0 {
		t.Errorf("upstream asked %d times for local names", n)
	}
}

func TestForward(t *testing.T) {
	up := startUpstream(t, mdns.RcodeSuccess)
	s := startServer(t, Config{Names: testNames, Upstreams: []netip.AddrPort{up.addr}})
	for i, proto := range []string{"udp", "tcp"} {
		r := ask(t, s, proto, "example.org.", mdns.TypeA)
		want := fmt.Sprintf("192.0.2.%d", i+1)
		if got := strings.Join(answers(r), ","); got != want || r.Authoritative {
			t.Errorf("%s forward: answers %q aa=%v, want %q from upstream", proto, got, r.Authoritative, want)
		}
	}
	// Unknown reverse names are forwarded too.
	ask(t, s, "udp", "9.9.9.10.in-addr.arpa.", mdns.TypePTR)
	if n := up.count.Load(); n != 3 {
		t.Errorf("upstream asked %d times, want 3", n)
	}
}

func TestForwardFallsThrough(t *testing.T) {
	// A port with nothing behind it: take one, then close it.
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	pc.Close()
	failing := startUpstream(t, mdns.RcodeServerFailure)
	good := startUpstream(t, mdns.RcodeSuccess)
	s := startServer(t, Config{Upstreams: []netip.AddrPort{deadAddr, failing.addr, good.addr}, Timeout: 300 * time.Millisecond})
	r := ask(t, s, "udp", "example.org.", mdns.TypeA)
	if got := strings.Join(answers(r), ","); r.Rcode != mdns.RcodeSuccess || got != "192.0.2.1" {
		t.Errorf("answers %q rcode %s, want 192.0.2.1 from the third upstream", got, mdns.RcodeToString[r.Rcode])
	}
	if failing.count.Load() != 1 || good.count.Load() != 1 {
		t.Errorf("failing asked %d, good asked %d; want 1 and 1", failing.count.Load(), good.count.Load())
	}

	// Only a failing upstream: its SERVFAIL comes back.
	s2 := startServer(t, Config{Upstreams: []netip.AddrPort{failing.addr}})
	if r := ask(t, s2, "udp", "example.org.", mdns.TypeA); r.Rcode != mdns.RcodeServerFailure {
		t.Errorf("rcode %s, want SERVFAIL", mdns.RcodeToString[r.Rcode])
	}
}

func TestNoUpstream(t *testing.T) {
	s := startServer(t, Config{Names: testNames})
	r := ask(t, s, "udp", "example.org.", mdns.TypeA)
	if r.Rcode != mdns.RcodeServerFailure || len(r.Answer) != 0 {
		t.Errorf("rcode %s answers %v, want SERVFAIL and nothing", mdns.RcodeToString[r.Rcode], answers(r))
	}
	if r := ask(t, s, "udp", "web.", mdns.TypeA); len(r.Answer) != 1 {
		t.Errorf("local name without upstreams: %v", answers(r))
	}
}

func TestTruncation(t *testing.T) {
	s := startServer(t, Config{Names: testNames})
	r := ask(t, s, "udp", "many.", mdns.TypeA)
	if !r.Truncated || len(r.Answer) >= 100 {
		t.Errorf("udp: truncated=%v with %d answers; want truncated", r.Truncated, len(r.Answer))
	}
	if r := ask(t, s, "tcp", "many.", mdns.TypeA); r.Truncated || len(r.Answer) != 100 {
		t.Errorf("tcp: truncated=%v with %d answers; want all 100", r.Truncated, len(r.Answer))
	}
}

func TestCloseAndReopen(t *testing.T) {
	s := New(Config{Names: testNames})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	ask(t, s, "tcp", "web.", mdns.TypeA)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if err := s.Listen("127.0.0.1:0"); err == nil {
		t.Error("listen after close succeeded")
	}
	// The port is free again at once: a new server takes the same address,
	// as a restarted daemon does for a running container.
	s2 := New(Config{Names: testNames})
	if err := s2.Listen(addr.String()); err != nil {
		t.Fatalf("reopen on %s: %v", addr, err)
	}
	defer s2.Close()
	for _, proto := range []string{"udp", "tcp"} {
		if r := ask(t, s2, proto, "web.", mdns.TypeA); len(r.Answer) != 1 {
			t.Errorf("%s after reopen: %v", proto, answers(r))
		}
	}
}

func TestReverseAddr(t *testing.T) {
	for in, want := range map[string]string{
		"4.3.2.1.in-addr.arpa": "1.2.3.4",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa": "::1",
		"3.2.1.in-addr.arpa":   "",
		"x.3.2.1.in-addr.arpa": "",
		"example.org":          "",
		"11.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa": "",
	} {
		a, ok := reverseAddr(in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("reverseAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestForwardOnlyWithAWayOut: MayForward is asked at each question; while
// it says no, questions get SERVFAIL and the upstream sees none
// (CVE-2024-29018: a container left on --internal networks only).
func TestForwardOnlyWithAWayOut(t *testing.T) {
	up := startUpstream(t, mdns.RcodeSuccess)
	var out atomic.Bool
	s := startServer(t, Config{Names: testNames, Upstreams: []netip.AddrPort{up.addr}, MayForward: out.Load})
	if r := ask(t, s, "udp", "example.org.", mdns.TypeA); r.Rcode != mdns.RcodeServerFailure || up.count.Load() != 0 {
		t.Fatalf("no way out: rcode %s, upstream asked %d times", mdns.RcodeToString[r.Rcode], up.count.Load())
	}
	if r := ask(t, s, "udp", "web.", mdns.TypeA); strings.Join(answers(r), ",") != "10.0.0.2" {
		t.Fatalf("local names without a way out: %v", answers(r))
	}
	out.Store(true)
	if r := ask(t, s, "udp", "example.org.", mdns.TypeA); len(answers(r)) != 1 || up.count.Load() != 1 {
		t.Fatalf("with a way out: %v, upstream asked %d times", answers(r), up.count.Load())
	}
}
