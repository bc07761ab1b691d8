package firewall

import (
	"fmt"
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
			{Bridge: "br-2", Subnet: netip.MustParsePrefix("172.19.0.0/16"), NoICC: true},
		},
		Ports: []Port{
			{Proto: "udp", HostPort: 5353, ContainerIP: netip.MustParseAddr("172.17.0.3"), ContainerPort: 53},
			{Proto: "tcp", HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 8080, ContainerIP: netip.MustParseAddr("172.17.0.2"), ContainerPort: 80},
			{Proto: "tcp", HostIP: netip.MustParseAddr("192.0.2.10"), HostPort: 9090, ContainerIP: netip.MustParseAddr("172.17.0.2"), ContainerPort: 90},
		},
	}
	var lines []string
	for _, r := range Rules(rs) {
		lines = append(lines, r.Chain+": "+r.String())
	}
	got := strings.Join(lines, "\n")
	want := `prerouting: ip daddr != 127.0.0.0/8 fib daddr type local jump ports
output: fib daddr type local jump host-ports
input: iifname @bridges ip daddr 127.0.0.0/8 ct direction original drop
host-ports: udp dport 5353 dnat to 172.17.0.3:53
host-ports: ip daddr 127.0.0.1 tcp dport 8080 dnat to 172.17.0.2:80
host-ports: ip daddr 192.0.2.10 tcp dport 9090 dnat to 172.17.0.2:90
ports: udp dport 5353 dnat to 172.17.0.3:53
ports: iifname @bridges ip daddr 192.0.2.10 tcp dport 9090 dnat to 172.17.0.2:90
ports: ip daddr 192.0.2.10 fib daddr . iif type local tcp dport 9090 dnat to 172.17.0.2:90
postrouting: oifname @bridges ip saddr 127.0.0.0/8 masquerade
postrouting: oifname != berth0 ip saddr 172.17.0.0/16 masquerade
postrouting: oifname berth0 ip saddr 172.17.0.0/16 ct status dnat masquerade
postrouting: oifname br-1 ip saddr 172.18.0.0/16 ct status dnat masquerade
postrouting: oifname != br-2 ip saddr 172.19.0.0/16 masquerade
postrouting: oifname br-2 ip saddr 172.19.0.0/16 ct status dnat masquerade
forward: iifname berth0 oifname != berth0 oifname @bridges drop
forward: iifname br-1 oifname != br-1 oifname @bridges drop
forward: iifname br-1 oifname != br-1 drop
forward: iifname != br-1 oifname br-1 drop
forward: iifname br-2 oifname != br-2 oifname @bridges drop
forward: iifname br-2 oifname br-2 drop
forward: iifname @bridges meta mark set meta mark | 0x01000000
forward: oifname @bridges ct state established,related meta mark set meta mark | 0x01000000 accept
forward: oifname @bridges ct status dnat meta mark set meta mark | 0x01000000 accept
forward: iifname != @bridges oifname @bridges drop`
	if got != want {
		t.Fatalf("rules:\n%s\nwant:\n%s", got, want)
	}
}

// TestRulesPerNetwork checks that a network costs a fixed number of rules,
// so the table grows linearly with the networks (not with their pairs).
func TestRulesPerNetwork(t *testing.T) {
	count := func(n int) int {
		rs := Ruleset{Table: "berth"}
		for i := 0; i < n; i++ {
			rs.Networks = append(rs.Networks, Network{Bridge: fmt.Sprintf("br-%d", i), Subnet: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)})
		}
		return len(Rules(rs))
	}
	if a, b, c := count(1), count(2), count(300); b-a != 3 || c-a != 299*3 {
		t.Fatalf("rules for 1, 2, 300 networks: %d, %d, %d", a, b, c)
	}
}

func TestDiff(t *testing.T) {
	a := Rule{Chain: ChainPorts, Proto: "tcp", DPort: 80, Action: "dnat", DNATAddr: netip.MustParseAddr("10.0.0.2"), DNATPort: 80}
	b := a
	b.DPort = 81
	c := a
	c.DPort = 82
	have := map[string][]uint64{a.String(): {1, 2}, b.String(): {3}, "": {4}}
	ch := Diff(have, []Rule{a, c})
	if len(ch.Add) != 1 || ch.Add[0].String() != c.String() {
		t.Fatalf("add: %v", ch.Add)
	}
	if fmt.Sprint(ch.Del) != "[4 3 2]" && fmt.Sprint(ch.Del) != "[4 2 3]" {
		t.Fatalf("del: %v (want the stray, the stale and the duplicate)", ch.Del)
	}
}

func TestKeyDiff(t *testing.T) {
	added, removed := keyDiff([]string{"a", "b"}, []string{"a", "b", "c", "d"})
	if fmt.Sprint(added) != "[2 3]" || removed {
		t.Fatalf("additions: %v %v", added, removed)
	}
	if added, removed = keyDiff([]string{"a", "b"}, []string{"b", "c"}); fmt.Sprint(added) != "[1]" || !removed {
		t.Fatalf("a removal: %v %v", added, removed)
	}
}
