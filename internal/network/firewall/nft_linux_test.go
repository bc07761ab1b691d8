package firewall

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netns"

	"github.com/berth/berth/internal/testutil"
)

// inNewNetns runs fn on a locked thread inside a fresh network namespace,
// so the rules never touch the host's tables.
func inNewNetns(t *testing.T, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	ns, err := netns.New()
	if err != nil {
		t.Fatalf("new netns: %v", err)
	}
	defer ns.Close()
	defer func() {
		if err := netns.Set(orig); err != nil {
			panic(err) // never leave the thread in the test namespace
		}
	}()
	fn()
}

func countRules(t *testing.T, table, chain string) int {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := c.GetRules(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: table}, &nftables.Chain{Name: chain})
	if err != nil {
		t.Fatalf("rules of %s/%s: %v", table, chain, err)
	}
	return len(rules)
}

func TestApplyReplaceRemove(t *testing.T) {
	testutil.RequireRoot(t)
	inNewNetns(t, func() {
		rs := Ruleset{
			Table:    "bttest",
			Networks: []Network{{Bridge: "btbr0", Subnet: netip.MustParsePrefix("10.66.0.0/16")}, {Bridge: "btbr1", Subnet: netip.MustParsePrefix("10.67.0.0/16"), Internal: true}},
			Ports: []Port{
				{Proto: "tcp", HostPort: 8080, ContainerIP: netip.MustParseAddr("10.66.0.2"), ContainerPort: 80},
				{Proto: "udp", HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 5353, ContainerIP: netip.MustParseAddr("10.66.0.3"), ContainerPort: 53},
			},
		}
		if err := Apply(rs); err != nil {
			t.Fatal(err)
		}
		if n := countRules(t, "bttest", ChainPorts); n != 2 {
			t.Fatalf("ports rules: %d", n)
		}
		if n := countRules(t, "bttest", ChainForward); n != 4 {
			t.Fatalf("forward rules: %d", n)
		}
		// A rewrite replaces, never appends.
		rs.Ports = rs.Ports[:1]
		if err := Apply(rs); err != nil {
			t.Fatal(err)
		}
		if n := countRules(t, "bttest", ChainPorts); n != 1 {
			t.Fatalf("ports rules after rewrite: %d", n)
		}
		// Another table is left alone by Apply and Remove.
		other := rs
		other.Table = "btother"
		if err := Apply(other); err != nil {
			t.Fatal(err)
		}
		if err := Remove("bttest"); err != nil {
			t.Fatal(err)
		}
		c, _ := nftables.New()
		tables, err := c.ListTables()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tb := range tables {
			names = append(names, tb.Name)
		}
		if len(names) != 1 || names[0] != "btother" {
			t.Fatalf("tables after Remove: %v", names)
		}
		if err := Remove("bttest"); err != nil {
			t.Fatalf("Remove of a missing table: %v", err)
		}
	})
}
