package dns

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestParseExtraHost(t *testing.T) {
	gw := netip.MustParseAddr("172.17.0.1")
	for in, want := range map[string]string{
		"db:10.0.0.5":       "10.0.0.5\tdb",
		"db=10.0.0.5":       "10.0.0.5\tdb",
		"v6:2001:db8::1":    "2001:db8::1\tv6",
		"v6=[2001:db8::1]":  "2001:db8::1\tv6",
		"gw:host-gateway":   "172.17.0.1\tgw",
		"gw=host-gateway":   "172.17.0.1\tgw",
		"nocolon":           "error",
		":10.0.0.5":         "error",
		"db:notanip":        "error",
		"db:":               "error",
		"bad name:10.0.0.5": "error",
		"x:y=10.0.0.5":      "error",
	} {
		e, err := ParseExtraHost(in, gw)
		got := "error"
		if err == nil {
			got = strings.TrimSpace(string(AppendHosts(nil, []HostEntry{e})))
		}
		if got != want {
			t.Errorf("ParseExtraHost(%q) = %q (%v), want %q", in, got, err, want)
		}
	}
	if _, err := ParseExtraHost("gw:host-gateway", netip.Addr{}); err == nil || !strings.Contains(err.Error(), "host-gateway") {
		t.Errorf("host-gateway without a gateway: %v", err)
	}
}

func TestHosts(t *testing.T) {
	got := string(Hosts(HostsConfig{
		Hostname: "c1", Domainname: "example.com",
		Addrs:   []netip.Addr{netip.MustParseAddr("172.17.0.3"), netip.MustParseAddr("fd00::3")},
		Aliases: []string{"web", "c1"},
		Extra: []HostEntry{
			{Addr: netip.MustParseAddr("10.0.0.5"), Names: []string{"db"}},
			LinkEntry("cache", "redis1", "abcdef012345", netip.MustParseAddr("172.17.0.2")),
		},
	}))
	want := defaultHosts +
		"10.0.0.5\tdb\n" +
		"172.17.0.2\tcache abcdef012345 redis1\n" +
		"172.17.0.3\tc1.example.com c1 web\n" +
		"fd00::3\tc1.example.com c1 web\n"
	if got != want {
		t.Errorf("hosts:\n%s\nwant:\n%s", got, want)
	}
	// --network none: no address, no own line.
	if got := string(Hosts(HostsConfig{Hostname: "c1"})); got != defaultHosts {
		t.Errorf("hosts without addresses:\n%s", got)
	}
	if e := LinkEntry("redis1", "redis1", "abc", netip.MustParseAddr("10.0.0.2")); !slices.Equal(e.Names, []string{"redis1", "abc"}) {
		t.Errorf("link with alias = name: %v", e.Names)
	}
	if got := string(AppendHosts([]byte("127.0.0.1 localhost"), []HostEntry{{Addr: netip.MustParseAddr("10.0.0.5"), Names: []string{"db"}}})); got != "127.0.0.1 localhost\n10.0.0.5\tdb\n" {
		t.Errorf("AppendHosts: %q", got)
	}
}

const hostResolv = `# host file
nameserver 127.0.0.53
nameserver 10.255.255.53
nameserver ::1
nameserver 2001:db8::53
search corp.example lab.example
options edns0 trust-ad
`

func TestParseResolvConf(t *testing.T) {
	rc := ParseResolvConf([]byte(hostResolv + "sortlist 1.2.3.4\nnameserver bogus\n"))
	if len(rc.Nameservers) != 4 || !slices.Equal(rc.Search, []string{"corp.example", "lab.example"}) || !slices.Equal(rc.Options, []string{"edns0", "trust-ad"}) {
		t.Errorf("parsed %+v", rc)
	}
	if rc := ParseResolvConf([]byte("domain a.example\n")); !slices.Equal(rc.Search, []string{"a.example"}) {
		t.Errorf("domain line: %+v", rc)
	}
	if rc := ParseResolvConf([]byte("search a.example\ndomain b.example\n")); !slices.Equal(rc.Search, []string{"b.example"}) {
		t.Errorf("last of search/domain: %+v", rc)
	}
	up := rc.Upstreams()
	if len(up) != 4 || up[0].String() != "127.0.0.53:53" || up[3].String() != "[2001:db8::53]:53" {
		t.Errorf("upstreams %v", up)
	}
}

func TestContainerResolvConf(t *testing.T) {
	host := ParseResolvConf([]byte(hostResolv))
	dns8 := []netip.Addr{netip.MustParseAddr("192.0.2.53")}
	cases := []struct {
		name string
		mode Mode
		o    Overrides
		want string
		up   string
	}{
		{"private", Private, Overrides{},
			"nameserver 10.255.255.53\nnameserver 2001:db8::53\nsearch corp.example lab.example\noptions edns0 trust-ad\n", ""},
		{"private only loopback", Private, Overrides{},
			"search corp.example lab.example\noptions edns0 trust-ad\n", ""},
		{"private loopback asked for", Private, Overrides{Nameservers: []netip.Addr{netip.MustParseAddr("127.0.0.1")}},
			"nameserver 127.0.0.1\nsearch corp.example lab.example\noptions edns0 trust-ad\n", ""},
		{"private overrides", Private, Overrides{Nameservers: dns8, Search: []string{"x.example"}, Options: []string{"ndots:2", "timeout:1"}},
			"nameserver 192.0.2.53\nsearch x.example\noptions ndots:2 timeout:1\n", ""},
		{"private no search", Private, Overrides{Search: []string{"."}},
			"nameserver 10.255.255.53\nnameserver 2001:db8::53\noptions edns0 trust-ad\n", ""},
		{"host", HostNetwork, Overrides{},
			"nameserver 127.0.0.53\nnameserver 10.255.255.53\nnameserver ::1\nnameserver 2001:db8::53\nsearch corp.example lab.example\noptions edns0 trust-ad\n", ""},
		{"embedded", Embedded, Overrides{},
			"nameserver 127.0.0.11\nsearch corp.example lab.example\noptions edns0 trust-ad ndots:0\n",
			"127.0.0.53:53 10.255.255.53:53 [::1]:53 [2001:db8::53]:53"},
		{"embedded overrides", Embedded, Overrides{Nameservers: dns8, Options: []string{"ndots:3"}},
			"nameserver 127.0.0.11\nsearch corp.example lab.example\noptions ndots:3\n", "192.0.2.53:53"},
	}
	for _, c := range cases {
		h := host
		if c.name == "private only loopback" {
			h = ParseResolvConf([]byte("nameserver 127.0.0.53\nnameserver ::1\n" + hostResolv[strings.Index(hostResolv, "search"):]))
		}
		file, up := ContainerResolvConf(h, c.mode, c.o)
		var ups []string
		for _, u := range up {
			ups = append(ups, u.String())
		}
		if string(file) != c.want || strings.Join(ups, " ") != c.up {
			t.Errorf("%s:\n%s(upstreams %v)\nwant:\n%s(upstreams %s)", c.name, file, ups, c.want, c.up)
		}
	}
	if !slices.Equal(host.Options, []string{"edns0", "trust-ad"}) {
		t.Errorf("host options modified: %v", host.Options)
	}
}
