package firewall

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
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

// handles returns the handles of the rules of table/chain, by comment.
func handles(t *testing.T, fam nftables.TableFamily, table, chain string) map[string]uint64 {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := c.GetRules(&nftables.Table{Family: fam, Name: table}, &nftables.Chain{Name: chain})
	if err != nil {
		t.Fatalf("rules of %s/%s: %v", table, chain, err)
	}
	out := map[string]uint64{}
	for _, r := range rules {
		k, _ := userdata.GetString(r.UserData, userdata.TypeComment)
		out[k] = r.Handle
	}
	return out
}

func testRuleset(table string, nets, ports int) Ruleset {
	rs := Ruleset{Table: table}
	for i := 0; i < nets; i++ {
		rs.Networks = append(rs.Networks, Network{Bridge: fmt.Sprintf("btbr%d", i),
			Subnet: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 66, byte(i), 0}), 24), Internal: i%7 == 1})
	}
	for i := 0; i < ports; i++ {
		rs.Ports = append(rs.Ports, Port{Proto: "tcp", HostPort: uint16(20000 + i), ContainerIP: netip.AddrFrom4([4]byte{10, 66, byte(i % nets), 2}), ContainerPort: 80})
	}
	return rs
}

func TestApplyIncrementalAndRemove(t *testing.T) {
	testutil.RequireRoot(t)
	inNewNetns(t, func() {
		tb := NewTable("bttest")
		rs := testRuleset("bttest", 3, 2)
		if err := tb.Apply(rs); err != nil {
			t.Fatal(err)
		}
		if n := len(handles(t, nftables.TableFamilyIPv4, "bttest", ChainPorts)); n != 2 {
			t.Fatalf("ports rules: %d", n)
		}
		fwd := handles(t, nftables.TableFamilyIPv4, "bttest", ChainForward)
		if len(fwd) != 3+2+4 {
			t.Fatalf("forward rules: %d", len(fwd))
		}
		// A change touches only what differs: the kept rules keep their
		// handles, the removed port goes, nothing is appended twice.
		rs.Ports = rs.Ports[:1]
		if err := tb.Apply(rs); err != nil {
			t.Fatal(err)
		}
		if n := len(handles(t, nftables.TableFamilyIPv4, "bttest", ChainPorts)); n != 1 {
			t.Fatalf("ports rules after the change: %d", n)
		}
		rs.Networks = rs.Networks[:2]
		if err := tb.Apply(rs); err != nil {
			t.Fatal(err)
		}
		after := handles(t, nftables.TableFamilyIPv4, "bttest", ChainForward)
		if len(after) != 2+2+4 {
			t.Fatalf("forward rules after removing a network: %v", after)
		}
		for k, h := range after {
			if fwd[k] != h {
				t.Fatalf("rule %q was rewritten (handle %d → %d)", k, fwd[k], h)
			}
		}
		// A new Table (a restarted daemon) finds the kernel's state.
		if err := NewTable("bttest").Apply(rs); err != nil {
			t.Fatal(err)
		}
		if again := handles(t, nftables.TableFamilyIPv4, "bttest", ChainForward); fmt.Sprint(again) != fmt.Sprint(after) {
			t.Fatalf("restart rewrote rules: %v → %v", after, again)
		}
		// Another table is left alone by Apply and Remove.
		other := rs
		other.Table = "btother"
		if err := NewTable("btother").Apply(other); err != nil {
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

// TestApplyAtScale installs 300 networks and 300 ports in one transaction
// (the kernel's default socket buffers end such a batch with ENOBUFS), then
// adds and removes networks one by one.
func TestApplyAtScale(t *testing.T) {
	testutil.RequireRoot(t)
	inNewNetns(t, func() {
		tb := NewTable("btscale")
		if err := tb.Apply(testRuleset("btscale", 250, 300)); err != nil {
			t.Fatal(err)
		}
		for n := 250; n <= 255; n++ {
			if err := tb.Apply(testRuleset("btscale", n, 300)); err != nil {
				t.Fatalf("%d networks: %v", n, err)
			}
		}
		if got := len(handles(t, nftables.TableFamilyIPv4, "btscale", ChainPorts)); got != 300 {
			t.Fatalf("ports rules: %d", got)
		}
	})
}

// TestForeignDropChain: a forward chain of another table that drops by
// default (as dockerd, ufw and firewalld set it) gets exactly one accept
// rule of berth's, at its top, and loses it with berth's table; its policy
// and its own rules are left as they were.
func TestForeignDropChain(t *testing.T) {
	testutil.RequireRoot(t)
	inNewNetns(t, func() {
		c, err := nftables.New()
		if err != nil {
			t.Fatal(err)
		}
		drop := nftables.ChainPolicyDrop
		accept := nftables.ChainPolicyAccept
		host := c.AddTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: "bthostfw"})
		fwd := c.AddChain(&nftables.Chain{Name: "forward", Table: host, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &drop})
		open := c.AddChain(&nftables.Chain{Name: "open", Table: host, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &accept})
		c.AddRule(&nftables.Rule{Table: host, Chain: fwd, Exprs: Rule{Action: "drop", IIF: "bthostx"}.mustExprs(t), UserData: userdata.AppendString(nil, userdata.TypeComment, "host's own")})
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		tb := NewTable("btfw")
		if err := tb.Apply(testRuleset("btfw", 1, 0)); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ { // twice: no second copy
			if err := EnsureForeign("btfw"); err != nil {
				t.Fatal(err)
			}
		}
		rules, err := c.GetRules(host, fwd)
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != 2 {
			t.Fatalf("host chain has %d rules, want its own and berth's", len(rules))
		}
		if s, _ := userdata.GetString(rules[0].UserData, userdata.TypeComment); s != ForeignTag("btfw") {
			t.Fatalf("first rule of the host chain: %q", s)
		}
		if n := len(handles(t, nftables.TableFamilyINet, "bthostfw", open.Name)); n != 0 {
			t.Fatalf("accepting chain got %d rules", n)
		}
		if err := Remove("btfw"); err != nil {
			t.Fatal(err)
		}
		left := handles(t, nftables.TableFamilyINet, "bthostfw", fwd.Name)
		if _, ok := left["host's own"]; len(left) != 1 || !ok {
			t.Fatalf("host chain after Remove: %v", left)
		}
		ch, err := c.ListChain(host, "forward")
		if err != nil || ch.Policy == nil || *ch.Policy != drop {
			t.Fatalf("host chain policy changed: %v %v", ch, err)
		}
	})
}

func (r Rule) mustExprs(t *testing.T) []expr.Any {
	t.Helper()
	e, err := r.exprs(nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
