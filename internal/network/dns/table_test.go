package dns

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"
)

func addrs(l ...string) []netip.Addr {
	var r []netip.Addr
	for _, s := range l {
		r = append(r, netip.MustParseAddr(s))
	}
	return r
}

func TestTable(t *testing.T) {
	net1 := &Table{Domain: "net1"}
	net1.Set("c1", []string{"Web", "alias", "0123456789ab"}, addrs("10.0.0.2"))
	net1.Set("c2", []string{"db", "alias"}, addrs("10.0.0.3", "fd00::3"))
	net2 := &Table{Domain: "net2"}
	net2.Set("c1", []string{"web"}, addrs("10.1.0.2"))
	net2.Set("c9", []string{"other"}, addrs("10.1.0.9"))
	names := Chain(net1, net2)
	for name, want := range map[string]string{
		"web":          "[10.0.0.2] true",
		"web.net1":     "[10.0.0.2] true",
		"web.net2":     "[10.1.0.2] true", // each table strips its own domain only
		"alias":        "[10.0.0.2 10.0.0.3 fd00::3] true",
		"0123456789ab": "[10.0.0.2] true",
		"other":        "[10.1.0.9] true",
		"other.net2":   "[10.1.0.9] true",
		"nope":         "[] false",
	} {
		a, ok := names.LookupHost(name)
		if got := fmt.Sprint(a, " ", ok); got != want {
			t.Errorf("LookupHost(%q) = %s, want %s", name, got, want)
		}
	}
	if n, ok := names.LookupAddr(netip.MustParseAddr("fd00::3")); !ok || len(n) != 1 || n[0] != "db.net1" {
		t.Errorf("LookupAddr(fd00::3) = %v %v", n, ok)
	}
	if n, ok := names.LookupAddr(netip.MustParseAddr("10.1.0.2")); !ok || n[0] != "web.net2" {
		t.Errorf("LookupAddr(10.1.0.2) = %v %v", n, ok)
	}
	net1.Remove("c2")
	if a, _ := names.LookupHost("alias"); len(a) != 1 {
		t.Errorf("after remove: alias = %v", a)
	}

	// Through a server: a change shows at once.
	s := startServer(t, Config{Names: names})
	if r := ask(t, s, "udp", "db.", mdns.TypeA); r.Rcode != mdns.RcodeServerFailure {
		t.Errorf("removed name answered: %v", answers(r))
	}
	net1.Set("c2", []string{"db"}, addrs("10.0.0.4"))
	if r := ask(t, s, "udp", "DB.net1.", mdns.TypeA); strings.Join(answers(r), ",") != "10.0.0.4" {
		t.Errorf("re-added db: %v", answers(r))
	}
}
