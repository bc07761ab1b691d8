package dns

import (
	"encoding/binary"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// RedirectTable is berth's nftables table inside a container's network
// namespace (never the host's): it sends 127.0.0.11:53 to the ports the
// embedded server really listens on, as Docker's iptables rules do.
//
// Why not listen on port 53 itself: a container may run its own DNS server
// on 0.0.0.0:53 (dnsmasq, CoreDNS, pihole…); a socket of ours on
// 127.0.0.11:53 would make its bind fail. On random ports behind a DNAT in
// the output hook nothing is in its way, and conntrack turns the replies
// back into 127.0.0.11:53.
const RedirectTable = "berth-dns"

// redirect replaces the table in the namespace open as nsFd with one
// output-hook rule per protocol: ip daddr 127.0.0.11 dport 53 dnat to
// 127.0.0.11:port. The table goes with the namespace.
func redirect(nsFd int, udpPort, tcpPort uint16) error {
	c, err := nftables.New(nftables.WithNetNSFd(nsFd))
	if err != nil {
		return fmt.Errorf("dns: nftables in the container's namespace: %w", err)
	}
	t := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: RedirectTable}
	// Add, delete, add: one batch that replaces the table whether it
	// existed (a restarted daemon, new ports) or not.
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	ch := c.AddChain(&nftables.Chain{Name: "output", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest})
	ip := ListenAddr.Addr().As4()
	for _, r := range []struct {
		proto byte
		port  uint16
	}{{unix.IPPROTO_UDP, udpPort}, {unix.IPPROTO_TCP, tcpPort}} {
		c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: []expr.Any{
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{r.proto}},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ip[:]},
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(ListenAddr.Port())},
			&expr.Immediate{Register: 1, Data: ip[:]},
			&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(r.port)},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
		}})
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("dns: install the 127.0.0.11:53 redirect: %w", err)
	}
	return nil
}

// redirectedPorts returns the ports the table in the namespace open as
// nsFd sends udp and tcp to (zero when there is none): a restarted daemon
// listens on them again, so that conntrack entries of the container's
// ongoing exchanges stay valid.
func redirectedPorts(nsFd int) (udp, tcp uint16) {
	c, err := nftables.New(nftables.WithNetNSFd(nsFd))
	if err != nil {
		return 0, 0
	}
	t := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: RedirectTable}
	rules, err := c.GetRules(t, &nftables.Chain{Name: "output", Table: t})
	if err != nil {
		return 0, 0
	}
	for _, r := range rules {
		var proto byte
		var port uint16
		for _, e := range r.Exprs {
			switch e := e.(type) {
			case *expr.Cmp:
				if len(e.Data) == 1 {
					proto = e.Data[0]
				}
			case *expr.Immediate:
				if e.Register == 2 && len(e.Data) == 2 {
					port = binary.BigEndian.Uint16(e.Data)
				}
			}
		}
		switch proto {
		case unix.IPPROTO_UDP:
			udp = port
		case unix.IPPROTO_TCP:
			tcp = port
		}
	}
	return udp, tcp
}
