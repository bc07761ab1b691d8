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
	NoICC    bool // no traffic between containers of the bridge (icc=false)
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
	ChainPorts       = "ports"       // regular: the DNATs of packets from outside and from containers
	ChainHostPorts   = "host-ports"  // regular: the DNATs of the host's own packets
	ChainPostrouting = "postrouting" // nat, srcnat: masquerade
	ChainForward     = "forward"     // filter, before the host's filter chains: isolation, internal, the forward mark
	ChainInput       = "input"       // filter: nothing from a bridge reaches the host's loopback services
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
	IIFSetNot bool   // iifname != @set
	OIF       string
	OIFNot    bool
	OIFSet    string // oifname @set
	SrcNet    netip.Prefix
	DstAddr   netip.Addr
	DstLocal  bool // fib daddr type local
	DstOnIIF  bool // fib daddr . iif type local: the address is the incoming interface's
	Proto     string
	DPort     uint16
	CtDNAT    bool         // ct status dnat
	CtReplied bool         // ct state established,related
	CtOrig    bool         // ct direction original (not a reply)
	DstNotNet netip.Prefix // ip daddr != prefix
	DstNet    netip.Prefix // ip daddr prefix
	Action    string       // accept, drop, masquerade, dnat, jump, mark (set ForwardMark), markaccept (set it and accept)
	Target    string       // jump target chain
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
		p = append(p, "iifname "+neg(r.IIFSetNot)+"@"+r.IIFSet)
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
	if r.DstNet.IsValid() {
		p = append(p, "ip daddr "+r.DstNet.String())
	}
	if r.DstNotNet.IsValid() {
		p = append(p, "ip daddr != "+r.DstNotNet.String())
	}
	if r.DstLocal {
		p = append(p, "fib daddr type local")
	}
	if r.DstOnIIF {
		p = append(p, "fib daddr . iif type local")
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
	if r.CtOrig {
		p = append(p, "ct direction original")
	}
	switch r.Action {
	case "jump":
		p = append(p, "jump "+r.Target)
	case "dnat":
		p = append(p, fmt.Sprintf("dnat to %s:%d", r.DNATAddr, r.DNATPort))
	case "mark":
		p = append(p, fmt.Sprintf("meta mark set meta mark | %#08x", ForwardMark))
	case "markaccept":
		p = append(p, fmt.Sprintf("meta mark set meta mark | %#08x accept", ForwardMark))
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
		// Published ports: any local address but the loopback ones from
		// outside (a packet for 127.0.0.1 arriving on another interface
		// is not DNATed, CVE-2020-8558), every local address from the host.
		{Chain: ChainPrerouting, DstLocal: true, DstNotNet: loopback, Action: "jump", Target: ChainPorts},
		{Chain: ChainOutput, DstLocal: true, Action: "jump", Target: ChainHostPorts},
		// A container never reaches the host's loopback services, even with
		// a crafted packet (route_localnet is on where loopback ports need
		// it); replies to the host's own connections still come back.
		{Chain: ChainInput, IIFSet: SetBridges, DstNet: loopback, CtOrig: true, Action: "drop"},
	}
	out = append(out, portRules(rs.Ports)...)
	// Published ports reached on 127.0.0.1 (route_localnet is on for the
	// bridges that have some).
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
		if n.NoICC {
			// icc=false at layer 3 too (the bridge ports are isolated at 2).
			out = append(out, Rule{Chain: ChainForward, IIF: n.Bridge, OIF: n.Bridge, Action: "drop"})
		}
	}
	// What is still forwarded is berth's to allow: the mark lets it past a
	// host filter chain that drops by default (ForwardMark). From outside,
	// only replies and published ports (DNATed) reach a bridge: a host of
	// the LAN routing a container subnet through this one reaches nothing
	// else.
	out = append(out,
		Rule{Chain: ChainForward, IIFSet: SetBridges, Action: "mark"},
		Rule{Chain: ChainForward, OIFSet: SetBridges, CtReplied: true, Action: "markaccept"},
		Rule{Chain: ChainForward, OIFSet: SetBridges, CtDNAT: true, Action: "markaccept"},
		Rule{Chain: ChainForward, OIFSet: SetBridges, IIFSet: SetBridges, IIFSetNot: true, Action: "drop"},
	)
	return out
}

// LoopbackBridges returns the bridges that have a port published on a
// loopback address: only they need route_localnet (packets from 127.0.0.1
// routed out to a container).
func LoopbackBridges(rs Ruleset, bridgeOf func(netip.Addr) string) map[string]bool {
	out := map[string]bool{}
	for _, p := range rs.Ports {
		if p.HostIP.IsLoopback() || !p.HostIP.IsValid() || p.HostIP.IsUnspecified() {
			if b := bridgeOf(p.ContainerIP); b != "" {
				out[b] = true
			}
		}
	}
	return out
}

// portRules returns the DNATs of the published ports. The host's own
// packets reach a port on any of its addresses (ChainHostPorts); from
// outside and from containers (ChainPorts), a port published on a loopback
// address is never reached, and one published on one address only through
// the interface that has it or from a bridge (hairpin): a packet for that
// address arriving on another interface is not DNATed.
func portRules(ports []Port) []Rule {
	ports = append([]Port(nil), ports...)
	sort.SliceStable(ports, func(i, j int) bool {
		if ports[i].HostPort != ports[j].HostPort {
			return ports[i].HostPort < ports[j].HostPort
		}
		return ports[i].Proto < ports[j].Proto
	})
	var host, in []Rule
	for _, pt := range ports {
		r := Rule{Chain: ChainHostPorts, Proto: pt.Proto, DPort: pt.HostPort, Action: "dnat", DNATAddr: pt.ContainerIP, DNATPort: pt.ContainerPort}
		if pt.HostIP.IsValid() && !pt.HostIP.IsUnspecified() {
			r.DstAddr = pt.HostIP
		}
		host = append(host, r)
		r.Chain = ChainPorts
		switch {
		case !r.DstAddr.IsValid():
			in = append(in, r)
		case !r.DstAddr.IsLoopback():
			fromBridge, onIIF := r, r
			fromBridge.IIFSet = SetBridges
			onIIF.DstOnIIF = true
			in = append(in, fromBridge, onIIF)
		}
	}
	return append(host, in...)
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
