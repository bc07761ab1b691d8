package dns

import (
	"net/netip"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// BenchmarkLocalA measures one local A answer over udp, one socket per
// query as a stub resolver does.
func BenchmarkLocalA(b *testing.B) {
	benchQueries(b, "web.")
}

// BenchmarkForwardA measures one forwarded A question (fake upstream on
// 127.0.0.1).
func BenchmarkForwardA(b *testing.B) {
	benchQueries(b, "example.org.")
}

func benchQueries(b *testing.B, name string) {
	up := startUpstream(b, mdns.RcodeSuccess)
	s := New(Config{Names: testNames, Upstreams: []netip.AddrPort{up.addr}})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := &mdns.Client{Net: "udp", Timeout: 5 * time.Second}
	m := new(mdns.Msg).SetQuestion(name, mdns.TypeA)
	b.ResetTimer()
	for b.Loop() {
		r, _, err := c.Exchange(m, s.Addr().String())
		if err != nil || len(r.Answer) != 1 {
			b.Fatalf("%v %v", r, err)
		}
	}
}
