package firewall

import (
	"net/netip"
	"strings"
	"testing"
)

func TestRules(t *testing.T) {
	rs := Ruleset{
		Table: "berth",
		Networks: []Network{
			{Bridge: "berth0", Subnet: netip.MustParsePrefix("172.17.0.0/16")},
			{Bridge: "br-1", Subnet: netip.MustParsePrefix("172.18.0.0/16"), Internal: true},
		},
		Ports: []Port{
			{Proto: "udp", HostPort: 5353, ContainerIP: netip.MustParseAddr("172.17.0.3"), ContainerPort: 53},
			{Proto: "tcp", HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 8080, ContainerIP: netip.MustParseAddr("172.17.0.2"), ContainerPort: 80},
		},
	}
	var lines []string
	for _, r := range Rules(rs) {
		lines = append(lines, r.Chain+": "+r.String())
	}
	got := strings.Join(lines, "\n")
	want := `prerouting: fib daddr type local jump ports
output: fib daddr type local jump ports
ports: udp dport 5353 dnat to 172.17.0.3:53
ports: ip daddr 127.0.0.1 tcp dport 8080 dnat to 172.17.0.2:80
postrouting: oifname != berth0 ip saddr 172.17.0.0/16 masquerade
postrouting: oifname berth0 ip saddr 127.0.0.0/8 masquerade
postrouting: oifname berth0 ip saddr 172.17.0.0/16 ct status dnat masquerade
postrouting: oifname br-1 ip saddr 127.0.0.0/8 masquerade
postrouting: oifname br-1 ip saddr 172.18.0.0/16 ct status dnat masquerade
forward: iifname berth0 oifname br-1 drop
forward: iifname br-1 oifname != br-1 drop
forward: iifname != br-1 oifname br-1 drop
forward: iifname br-1 oifname berth0 drop`
	if got != want {
		t.Fatalf("rules:\n%s\nwant:\n%s", got, want)
	}
}
