package firewall

import (
	"fmt"
	"os"
	"slices"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// forwardPriority puts berth's forward chain before the host's filter
// chains (iptables' filter FORWARD is at 0), so the mark is set when they
// look at it.
const forwardPriority = -10

// Table is the nftables table of one daemon. Apply keeps it equal to a
// Ruleset by changing only what differs: it remembers which rules each
// chain holds after a successful change and asks the kernel again only for
// the chains whose rules change (all of them after a failure, or the first
// time). Not safe for concurrent use; the network manager serialises.
type Table struct {
	name    string
	applied map[string][]string // chain → rule keys installed; nil = unknown
	bridges []string            // members of SetBridges installed
}

// NewTable returns the table called name (not yet touched in the kernel).
func NewTable(name string) *Table { return &Table{name: name} }

// Forget makes the next Apply read the whole table from the kernel again
// (after someone else changed or deleted it).
func (t *Table) Forget() { t.applied = nil }

// conn opens nftables with socket buffers large enough for a batch of
// thousands of rules and their echoes (the kernel's default of 208 KiB
// ends a big transaction with ENOBUFS or EMSGSIZE).
func conn() (*nftables.Conn, error) {
	c, err := nftables.New(nftables.WithSockOptions(func(nc *netlink.Conn) error {
		_ = nc.SetOption(netlink.CapAcknowledge, true)
		raw, err := nc.SyscallConn()
		if err != nil {
			return err
		}
		var serr error
		err = raw.Control(func(fd uintptr) {
			for _, opt := range []int{unix.SO_SNDBUFFORCE, unix.SO_RCVBUFFORCE} {
				if e := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, opt, 16<<20); e != nil {
					serr = e
				}
			}
		})
		if err != nil {
			return err
		}
		return serr
	}))
	if err != nil {
		return nil, fmt.Errorf("open nftables: %w", err)
	}
	return c, nil
}

// Apply makes the kernel's table equal to rs, in one netlink transaction:
// table, chains and set are created when missing (the whole table is built
// again when its layout is not this version's), then only the set members
// and rules that differ are added or deleted. Only tables of that name are
// touched, and the accept rule in the host's forward chains that drop by
// default is ensured (EnsureForeign).
func (t *Table) Apply(rs Ruleset) error {
	if t.name == "" || rs.Table != t.name {
		return fmt.Errorf("firewall: ruleset for table %q applied to %q", rs.Table, t.name)
	}
	c, err := conn()
	if err != nil {
		return err
	}
	want := map[string][]Rule{}
	for _, r := range Rules(rs) {
		want[r.Chain] = append(want[r.Chain], r)
	}
	bridges := Bridges(rs)
	fresh := t.applied == nil
	if err := t.apply(c, want, bridges); err != nil {
		t.applied = nil
		return fmt.Errorf("install nftables table %s: %w", t.name, err)
	}
	if fresh {
		return EnsureForeign(t.name)
	}
	return nil
}

func (t *Table) apply(c *nftables.Conn, want map[string][]Rule, bridges []string) error {
	tb := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: t.name}
	empty := false // the table is built from nothing in this batch
	if t.applied == nil {
		ok, err := layoutCurrent(c, tb)
		if err != nil {
			return err
		}
		if !ok {
			// Absent, or made by an older berth.
			c.AddTable(tb)
			c.DelTable(tb)
			empty = true
		}
	}
	c.AddTable(tb)
	chains := addChains(c, tb)
	set := &nftables.Set{Table: tb, Name: SetBridges, KeyType: nftables.TypeIFName, KeyByteOrder: binaryutil.NativeEndian}
	if err := c.AddSet(set, nil); err != nil {
		return err
	}
	if err := t.syncBridges(c, set, bridges, empty); err != nil {
		return err
	}
	applied := map[string][]string{}
	for _, name := range chainNames {
		keys := ruleKeys(want[name])
		applied[name] = keys
		if t.applied == nil {
			if err := syncChain(c, chains[name], set, want[name], empty); err != nil {
				return err
			}
			continue
		}
		// Known state: new rules are appended without reading the chain;
		// only a deletion needs the kernel's handles.
		added, removed := keyDiff(t.applied[name], keys)
		if removed {
			if err := syncChain(c, chains[name], set, want[name], false); err != nil {
				return err
			}
			continue
		}
		for _, i := range added {
			if err := addRule(c, chains[name], set, want[name][i]); err != nil {
				return err
			}
		}
	}
	if err := c.Flush(); err != nil {
		return err
	}
	t.applied, t.bridges = applied, bridges
	return nil
}

// layoutCurrent reports whether tb exists with this version's chains and set.
func layoutCurrent(c *nftables.Conn, tb *nftables.Table) (bool, error) {
	chains, err := c.ListChainsOfTableFamily(tb.Family)
	if err != nil {
		return false, fmt.Errorf("list chains: %w", err)
	}
	n := 0
	for _, ch := range chains {
		if ch.Table.Name != tb.Name {
			continue
		}
		n++
		if ch.Name == ChainForward && (ch.Priority == nil || int32(*ch.Priority) != forwardPriority) {
			return false, nil
		}
	}
	if n != len(chainNames) {
		return false, nil
	}
	if _, err := c.GetSetByName(tb, SetBridges); err != nil {
		return false, nil //nolint:nilerr // no such set: an older layout
	}
	return true, nil
}

// chainNames are the chains of berth's table.
var chainNames = []string{ChainPrerouting, ChainOutput, ChainPorts, ChainHostPorts, ChainPostrouting, ChainForward, ChainInput}

func addChains(c *nftables.Conn, tb *nftables.Table) map[string]*nftables.Chain {
	accept := nftables.ChainPolicyAccept
	return map[string]*nftables.Chain{
		ChainInput: c.AddChain(&nftables.Chain{Name: ChainInput, Table: tb, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookInput,
			Priority: nftables.ChainPriorityFilter, Policy: &accept}),
		ChainPrerouting:  c.AddChain(&nftables.Chain{Name: ChainPrerouting, Table: tb, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest}),
		ChainOutput:      c.AddChain(&nftables.Chain{Name: ChainOutput, Table: tb, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest}),
		ChainPorts:       c.AddChain(&nftables.Chain{Name: ChainPorts, Table: tb}),
		ChainHostPorts:   c.AddChain(&nftables.Chain{Name: ChainHostPorts, Table: tb}),
		ChainPostrouting: c.AddChain(&nftables.Chain{Name: ChainPostrouting, Table: tb, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource}),
		ChainForward: c.AddChain(&nftables.Chain{Name: ChainForward, Table: tb, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward,
			Priority: nftables.ChainPriorityRef(forwardPriority), Policy: &accept}),
	}
}

func ruleKeys(rules []Rule) []string {
	keys := make([]string, len(rules))
	for i, r := range rules {
		keys[i] = r.String()
	}
	return keys
}

// syncBridges queues the changes to the members of the bridges set: the
// difference from the members last installed when they are known, else
// the set emptied and filled (empty: the set is new in this batch).
func (t *Table) syncBridges(c *nftables.Conn, set *nftables.Set, bridges []string, empty bool) error {
	have := t.bridges
	if t.applied == nil {
		have = nil
		if !empty {
			c.FlushSet(set)
		}
	}
	var stale, add []nftables.SetElement
	for _, b := range have {
		if !slices.Contains(bridges, b) {
			stale = append(stale, nftables.SetElement{Key: ifname(b)})
		}
	}
	for _, b := range bridges {
		if !slices.Contains(have, b) {
			add = append(add, nftables.SetElement{Key: ifname(b)})
		}
	}
	if len(stale) > 0 {
		if err := c.SetDeleteElements(set, stale); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		return c.SetAddElements(set, add)
	}
	return nil
}

// syncChain reads the rules of ch, each known by its comment, and queues
// the deletion of those not wanted and the addition of the missing ones
// (empty: the chain is new in this batch).
func syncChain(c *nftables.Conn, ch *nftables.Chain, set *nftables.Set, want []Rule, empty bool) error {
	var rules []*nftables.Rule
	if !empty {
		var err error
		if rules, err = c.GetRules(ch.Table, ch); err != nil {
			return fmt.Errorf("list rules of %s: %w", ch.Name, err)
		}
	}
	have := map[string][]uint64{}
	for _, r := range rules {
		k, _ := userdata.GetString(r.UserData, userdata.TypeComment)
		have[k] = append(have[k], r.Handle)
	}
	change := Diff(have, want)
	for _, h := range change.Del {
		if err := c.DelRule(&nftables.Rule{Table: ch.Table, Chain: ch, Handle: h}); err != nil {
			return err
		}
	}
	for _, r := range change.Add {
		if err := addRule(c, ch, set, r); err != nil {
			return err
		}
	}
	return nil
}

// addRule queues r at the end of ch, with its String() as comment.
func addRule(c *nftables.Conn, ch *nftables.Chain, set *nftables.Set, r Rule) error {
	exprs, err := r.exprs(set)
	if err != nil {
		return err
	}
	c.AddRule(&nftables.Rule{Table: ch.Table, Chain: ch, Exprs: exprs,
		UserData: userdata.AppendString(nil, userdata.TypeComment, r.String())})
	return nil
}

// Remove deletes berth's table of that name, if present, and the accept
// rules it put into other tables' forward chains.
func Remove(table string) error {
	c, err := conn()
	if err != nil {
		return err
	}
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return fmt.Errorf("list nftables tables: %w", err)
	}
	for _, t := range tables {
		if t.Name == table {
			c.DelTable(t)
		}
	}
	if err := foreignRules(c, table, func(ch *nftables.Chain, r *nftables.Rule) error { return c.DelRule(r) }, nil); err != nil {
		return err
	}
	return c.Flush()
}

// EnsureForeign puts, at the top of every filter chain of another table
// hooked at forward whose policy is drop (family ip or inet), one rule
// accepting packets that carry ForwardMark, commented ForeignTag(table) —
// unless the chain has it already. It changes no policy and no other rule.
func EnsureForeign(table string) error {
	c, err := conn()
	if err != nil {
		return err
	}
	err = foreignRules(c, table, nil, func(ch *nftables.Chain) {
		c.InsertRule(&nftables.Rule{Table: ch.Table, Chain: ch, Exprs: markAccept(),
			UserData: userdata.AppendString(nil, userdata.TypeComment, ForeignTag(table))})
	})
	if err != nil {
		return err
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("add forward accept rule of %s: %w", table, err)
	}
	return nil
}

// foreignRules calls found for each rule tagged ForeignTag(table) in a
// forward chain of another table, and missing for each dropping forward
// chain without one.
func foreignRules(c *nftables.Conn, table string, found func(*nftables.Chain, *nftables.Rule) error, missing func(*nftables.Chain)) error {
	chains, err := c.ListChains()
	if err != nil {
		return fmt.Errorf("list chains: %w", err)
	}
	tag := ForeignTag(table)
	for _, ch := range chains {
		fam := ch.Table.Family
		if ch.Hooknum == nil || *ch.Hooknum != *nftables.ChainHookForward || ch.Type != nftables.ChainTypeFilter ||
			(fam != nftables.TableFamilyIPv4 && fam != nftables.TableFamilyINet) || (fam == nftables.TableFamilyIPv4 && ch.Table.Name == table) {
			continue
		}
		rules, err := c.GetRules(ch.Table, ch)
		if err != nil {
			return fmt.Errorf("list rules of %s %s: %w", ch.Table.Name, ch.Name, err)
		}
		has := false
		for _, r := range rules {
			if s, _ := userdata.GetString(r.UserData, userdata.TypeComment); s == tag {
				has = true
				if found != nil {
					if err := found(ch, r); err != nil {
						return err
					}
				}
			}
		}
		if !has && missing != nil && ch.Policy != nil && *ch.Policy == nftables.ChainPolicyDrop {
			missing(ch)
		}
	}
	return nil
}

// markAccept is `meta mark & ForwardMark == ForwardMark accept`, in the
// form iptables-nft reads back as `-m mark --mark`.
func markAccept() []expr.Any {
	m := binaryutil.NativeEndian.PutUint32(ForwardMark)
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyMARK, Register: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: m, Xor: binaryutil.NativeEndian.PutUint32(0)},
		cmp(expr.CmpOpEq, m),
		&expr.Counter{},
		&expr.Verdict{Kind: expr.VerdictAccept},
	}
}

// EnableForwarding turns on IPv4 forwarding (net.ipv4.ip_forward), which
// NAT needs; it is host-wide and left on, as Docker does.
func EnableForwarding() error {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err == nil && len(data) > 0 && data[0] == '1' {
		return nil
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		return fmt.Errorf("enable ip_forward: %w", err)
	}
	return nil
}
