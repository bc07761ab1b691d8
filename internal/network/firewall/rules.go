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
	ChainForward     = "forward"     // filter: isolation, internal
)

// Rule is one rule as data: matches, then one action. String renders it in
// nft syntax (tests, logs); the Linux side turns it into expressions.
type Rule struct {
	Chain    string
	IIF      string
	IIFNot   bool
	OIF      string
	OIFNot   bool
	SrcNet   netip.Prefix
	DstAddr  netip.Addr
	DstLocal bool // fib daddr type local
	Proto    string
	DPort    uint16
	CtDNAT   bool   // ct status dnat
	Action   string // accept, drop, masquerade, dnat, jump
	Target   string // jump target chain
	DNATAddr netip.Addr
	DNATPort uint16
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
	if r.OIF != "" {
		p = append(p, "oifname "+neg(r.OIFNot)+r.OIF)
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
	switch r.Action {
	case "jump":
		p = append(p, "jump "+r.Target)
	case "dnat":
		p = append(p, fmt.Sprintf("dnat to %s:%d", r.DNATAddr, r.DNATPort))
	default:
		p = append(p, r.Action)
	}
	return strings.Join(p, " ")
}

var loopback = netip.MustParsePrefix("127.0.0.0/8")

// Rules returns the rules of rs, chain by chain in a stable order.
func Rules(rs Ruleset) []Rule {
	nets := append([]Network(nil), rs.Networks...)
	sort.Slice(nets, func(i, j int) bool { return nets[i].Bridge < nets[j].Bridge })
	var out []Rule
	out = append(out,
		Rule{Chain: ChainPrerouting, DstLocal: true, Action: "jump", Target: ChainPorts},
		Rule{Chain: ChainOutput, DstLocal: true, Action: "jump", Target: ChainPorts},
	)
	ports := append([]Port(nil), rs.Ports...)
	sort.SliceStable(ports, func(i, j int) bool {
		if ports[i].HostPort != ports[j].HostPort {
			return ports[i].HostPort < ports[j].HostPort
		}
		return ports[i].Proto < ports[j].Proto
	})
	for _, pt := range ports {
		r := Rule{Chain: ChainPorts, Proto: pt.Proto, DPort: pt.HostPort, Action: "dnat", DNATAddr: pt.ContainerIP, DNATPort: pt.ContainerPort}
		if pt.HostIP.IsValid() && !pt.HostIP.IsUnspecified() {
			r.DstAddr = pt.HostIP
		}
		out = append(out, r)
	}
	for _, n := range nets {
		if !n.Internal {
			// Outbound: the container's source becomes the host's address.
			out = append(out, Rule{Chain: ChainPostrouting, SrcNet: n.Subnet, OIF: n.Bridge, OIFNot: true, Action: "masquerade"})
		}
		// Published ports reached on 127.0.0.1 (route_localnet is on for
		// the bridge) and from containers of the same bridge (hairpin).
		out = append(out,
			Rule{Chain: ChainPostrouting, SrcNet: loopback, OIF: n.Bridge, Action: "masquerade"},
			Rule{Chain: ChainPostrouting, SrcNet: n.Subnet, OIF: n.Bridge, CtDNAT: true, Action: "masquerade"},
		)
	}
	for _, n := range nets {
		if n.Internal {
			out = append(out,
				Rule{Chain: ChainForward, IIF: n.Bridge, OIF: n.Bridge, OIFNot: true, Action: "drop"},
				Rule{Chain: ChainForward, OIF: n.Bridge, IIF: n.Bridge, IIFNot: true, Action: "drop"},
			)
		}
		for _, o := range nets {
			if o.Bridge != n.Bridge {
				out = append(out, Rule{Chain: ChainForward, IIF: n.Bridge, OIF: o.Bridge, Action: "drop"})
			}
		}
	}
	return out
}
