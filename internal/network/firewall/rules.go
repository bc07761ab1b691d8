package firewall

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Network is one berth bridge network as the rules see it.
type Network struct {
	Bridge   string
	Subnet   netip.Prefix
	Internal bool // no traffic in or out of the bridge except to itself
}

// Port is one published port: traffic to HostIP:HostPort (HostIP invalid
// or unspecified = any local address) goes to ContainerIP:ContainerPort.
type Port struct {
	Proto         string // "tcp" or "udp"
	HostIP        netip.Addr
	HostPort      uint16
	ContainerIP   netip.Addr
	ContainerPort uint16
}

// Ruleset is the whole desired state of one daemon's tables.
type Ruleset struct {
	Table    string
	Networks []Network
	Ports    []Port
}

// Chain names and hooks of the ip table.
const (
	ChainPrerouting  = "prerouting"  // nat, dstnat: local destinations → ports
	ChainOutput      = "output"      // nat, dstnat: locally generated → ports
	ChainPorts       = "ports"       // regular: one DNAT per published port
	ChainPostrouting = "postrouting" // nat, srcnat: masquerade
	ChainForward     = "forward"     // filter, before the host's filter chains: isolation, internal, the forward mark
)

// SetBridges is the named set of the table holding every bridge device of
// the daemon's networks (type ifname).
const SetBridges = "bridges"

// ForwardMark is the packet mark bit berth's forward chain sets on the
// traffic its bridges need forwarded (out of a bridge; into one when the
// flow is established or was DNATed to a published port). Hosts whose
// filter forward chain drops by default (dockerd sets iptables' FORWARD
// policy to DROP; ufw and firewalld do likewise) get one rule of berth's
// at the top of that chain accepting packets with this bit set, so every
// decision about berth's traffic stays in berth's own table.
const ForwardMark uint32 = 0x01000000

// Rule is one rule as data: matches, then one action. String renders it in
// nft syntax (tests, logs, and the comment that identifies the rule in the
// kernel); the Linux side turns it into expressions.
type Rule struct {
	Chain     string
	IIF       string
	IIFNot    bool
	IIFSet    string // iifname @set
	OIF       string
	OIFNot    bool
	OIFSet    string // oifname @set
	SrcNet    netip.Prefix
	DstAddr   netip.Addr
	DstLocal  bool // fib daddr type local
	Proto     string
	DPort     uint16
	CtDNAT    bool   // ct status dnat
	CtReplied bool   // ct state established,related
	Action    string // accept, drop, masquerade, dnat, jump, mark (set ForwardMark)
	Target    string // jump target chain
	DNATAddr  netip.Addr
	DNATPort  uint16
}

func (r Rule) String() string {
	var p []string
	neg := func(b bool) string {
		if b {
			return "!= "
		}
		return ""
	}
	if r.IIF != "" {
		p = append(p, "iifname "+neg(r.IIFNot)+r.IIF)
	}
	if r.IIFSet != "" {
		p = append(p, "iifname @"+r.IIFSet)
	}
	if r.OIF != "" {
		p = append(p, "oifname "+neg(r.OIFNot)+r.OIF)
	}
	if r.OIFSet != "" {
		p = append(p, "oifname @"+r.OIFSet)
	}
	if r.SrcNet.IsValid() {
		p = append(p, "ip saddr "+r.SrcNet.String())
	}
	if r.DstAddr.IsValid() {
		p = append(p, "ip daddr "+r.DstAddr.String())
	}
	if r.DstLocal {
		p = append(p, "fib daddr type local")
	}
	if r.Proto != "" {
		p = append(p, r.Proto+" dport "+fmt.Sprint(r.DPort))
	}
	if r.CtDNAT {
		p = append(p, "ct status dnat")
	}
	if r.CtReplied {
		p = append(p, "ct state established,related")
	}
	switch r.Action {
	case "jump":
		p = append(p, "jump "+r.Target)
	case "dnat":
		p = append(p, fmt.Sprintf("dnat to %s:%d", r.DNATAddr, r.DNATPort))
	case "mark":
		p = append(p, fmt.Sprintf("meta mark set meta mark | %#08x", ForwardMark))
	default:
		p = append(p, r.Action)
	}
	return strings.Join(p, " ")
}

var loopback = netip.MustParsePrefix("127.0.0.0/8")

// Rules returns the rules of rs, chain by chain in a stable order. Rules
// that concern every bridge match the set SetBridges (Bridges), so a
// network adds a fixed number of rules: one isolation rule, two
// masquerades, and two more when it is internal.
func Rules(rs Ruleset) []Rule {
	nets := append([]Network(nil), rs.Networks...)
	sort.Slice(nets, func(i, j int) bool { return nets[i].Bridge < nets[j].Bridge })
	out := []Rule{
		{Chain: ChainPrerouting, DstLocal: true, Action: "jump", Target: ChainPorts},
		{Chain: ChainOutput, DstLocal: true, Action: "jump", Target: ChainPorts},
	}
	out = append(out, portRules(rs.Ports)...)
	// Published ports reached on 127.0.0.1 (route_localnet is on for the
	// bridges).
	out = append(out, Rule{Chain: ChainPostrouting, OIFSet: SetBridges, SrcNet: loopback, Action: "masquerade"})
	for _, n := range nets {
		if !n.Internal {
			// Outbound: the container's source becomes the host's address.
			out = append(out, Rule{Chain: ChainPostrouting, SrcNet: n.Subnet, OIF: n.Bridge, OIFNot: true, Action: "masquerade"})
		}
		// Published ports reached from containers of the same bridge (hairpin).
		out = append(out, Rule{Chain: ChainPostrouting, SrcNet: n.Subnet, OIF: n.Bridge, CtDNAT: true, Action: "masquerade"})
	}
	for _, n := range nets {
		// Isolation: nothing crosses from one berth bridge to another.
		out = append(out, Rule{Chain: ChainForward, IIF: n.Bridge, OIF: n.Bridge, OIFNot: true, OIFSet: SetBridges, Action: "drop"})
		if n.Internal {
			out = append(out,
				Rule{Chain: ChainForward, IIF: n.Bridge, OIF: n.Bridge, OIFNot: true, Action: "drop"},
				Rule{Chain: ChainForward, OIF: n.Bridge, IIF: n.Bridge, IIFNot: true, Action: "drop"},
			)
		}
	}
	// What is still forwarded is berth's to allow: the mark lets it past a
	// host filter chain that drops by default (ForwardMark).
	out = append(out,
		Rule{Chain: ChainForward, IIFSet: SetBridges, Action: "mark"},
		Rule{Chain: ChainForward, OIFSet: SetBridges, CtReplied: true, Action: "mark"},
		Rule{Chain: ChainForward, OIFSet: SetBridges, CtDNAT: true, Action: "mark"},
	)
	return out
}

func portRules(ports []Port) []Rule {
	ports = append([]Port(nil), ports...)
	sort.SliceStable(ports, func(i, j int) bool {
		if ports[i].HostPort != ports[j].HostPort {
			return ports[i].HostPort < ports[j].HostPort
		}
		return ports[i].Proto < ports[j].Proto
	})
	var out []Rule
	for _, pt := range ports {
		r := Rule{Chain: ChainPorts, Proto: pt.Proto, DPort: pt.HostPort, Action: "dnat", DNATAddr: pt.ContainerIP, DNATPort: pt.ContainerPort}
		if pt.HostIP.IsValid() && !pt.HostIP.IsUnspecified() {
			r.DstAddr = pt.HostIP
		}
		out = append(out, r)
	}
	return out
}

// Bridges returns the members of SetBridges: every bridge of rs, sorted.
func Bridges(rs Ruleset) []string {
	var out []string
	for _, n := range rs.Networks {
		out = append(out, n.Bridge)
	}
	sort.Strings(out)
	return out
}

// ForeignTag is the comment that marks the accept rule a daemon whose
// table is table puts into another table's forward chain; Remove finds
// its rules by it.
func ForeignTag(table string) string { return "berth:" + table }

// Change is the difference between the rules a chain has and the rules it
// should have, each rule known by its String().
type Change struct {
	Add []Rule
	Del []uint64 // handles of rules to delete
}

// Diff computes the change that turns have (rule key → kernel handles;
// rules without berth's comment come under the key "") into want. A rule
// present twice is deleted once.
func Diff(have map[string][]uint64, want []Rule) Change {
	var ch Change
	wanted := map[string]bool{}
	for _, r := range want {
		k := r.String()
		if wanted[k] {
			continue
		}
		wanted[k] = true
		if len(have[k]) == 0 {
			ch.Add = append(ch.Add, r)
		}
	}
	keys := make([]string, 0, len(have))
	for k := range have {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		hs := have[k]
		if wanted[k] {
			hs = hs[1:]
		}
		ch.Del = append(ch.Del, hs...)
	}
	return ch
}

// keyDiff returns the indexes in want of keys that have lacks, and whether
// have holds a key that want does not.
func keyDiff(have, want []string) (added []int, removed bool) {
	in := make(map[string]bool, len(have))
	for _, k := range have {
		in[k] = true
	}
	for i, k := range want {
		if !in[k] {
			added = append(added, i)
		}
		delete(in, k)
	}
	return added, len(in) > 0
}
