package firewall

import (
	"errors"
	"fmt"
	"os"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// Apply replaces berth's tables named rs.Table with the rules of rs, in one
// netlink transaction: the table is created (if absent), deleted and built
// again, so the kernel never sees a half-written rule set. Only tables of
// that name are touched.
func Apply(rs Ruleset) error {
	if rs.Table == "" {
		return errors.New("firewall: no table name")
	}
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("open nftables: %w", err)
	}
	defer c.CloseLasting()
	t := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: rs.Table}
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	accept := nftables.ChainPolicyAccept
	chains := map[string]*nftables.Chain{
		ChainPrerouting:  c.AddChain(&nftables.Chain{Name: ChainPrerouting, Table: t, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest}),
		ChainOutput:      c.AddChain(&nftables.Chain{Name: ChainOutput, Table: t, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest}),
		ChainPorts:       c.AddChain(&nftables.Chain{Name: ChainPorts, Table: t}),
		ChainPostrouting: c.AddChain(&nftables.Chain{Name: ChainPostrouting, Table: t, Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource}),
		ChainForward:     c.AddChain(&nftables.Chain{Name: ChainForward, Table: t, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &accept}),
	}
	for _, r := range Rules(rs) {
		ch := chains[r.Chain]
		if ch == nil {
			return fmt.Errorf("firewall: rule %q in unknown chain %s", r, r.Chain)
		}
		exprs, err := r.exprs()
		if err != nil {
			return err
		}
		c.AddRule(&nftables.Rule{Table: ch.Table, Chain: ch, Exprs: exprs})
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("install nftables table %s: %w", rs.Table, err)
	}
	return nil
}

// Remove deletes berth's table of that name, if present.
func Remove(table string) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("open nftables: %w", err)
	}
	defer c.CloseLasting()
	tables, err := c.ListTables()
	if err != nil {
		return fmt.Errorf("list nftables tables: %w", err)
	}
	n := 0
	for _, t := range tables {
		if t.Name == table && t.Family == nftables.TableFamilyIPv4 {
			c.DelTable(t)
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return c.Flush()
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

func ifname(n string) []byte {
	b := make([]byte, 16)
	copy(b, n+"\x00")
	return b
}

func cmp(op expr.CmpOp, data []byte) expr.Any {
	return &expr.Cmp{Op: op, Register: 1, Data: data}
}

func (r Rule) exprs() ([]expr.Any, error) {
	var e []expr.Any
	metaName := func(key expr.MetaKey, name string, not bool) {
		op := expr.CmpOpEq
		if not {
			op = expr.CmpOpNeq
		}
		e = append(e, &expr.Meta{Key: key, Register: 1}, cmp(op, ifname(name)))
	}
	if r.IIF != "" {
		metaName(expr.MetaKeyIIFNAME, r.IIF, r.IIFNot)
	}
	if r.OIF != "" {
		metaName(expr.MetaKeyOIFNAME, r.OIF, r.OIFNot)
	}
	if r.SrcNet.IsValid() {
		p := r.SrcNet.Masked()
		mask := make([]byte, 4)
		bits := p.Bits()
		for i := 0; i < 4; i++ {
			switch {
			case bits >= 8:
				mask[i] = 0xff
				bits -= 8
			case bits > 0:
				mask[i] = byte(0xff << (8 - bits))
				bits = 0
			}
		}
		a := p.Addr().As4()
		e = append(e,
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
			cmp(expr.CmpOpEq, a[:]))
	}
	if r.DstAddr.IsValid() {
		a := r.DstAddr.As4()
		e = append(e, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4}, cmp(expr.CmpOpEq, a[:]))
	}
	if r.DstLocal {
		e = append(e, &expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true}, cmp(expr.CmpOpEq, binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)))
	}
	if r.Proto != "" {
		var proto byte
		switch r.Proto {
		case "tcp":
			proto = unix.IPPROTO_TCP
		case "udp":
			proto = unix.IPPROTO_UDP
		case "sctp":
			proto = unix.IPPROTO_SCTP
		default:
			return nil, fmt.Errorf("firewall: unknown protocol %q", r.Proto)
		}
		e = append(e,
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, cmp(expr.CmpOpEq, []byte{proto}),
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}, cmp(expr.CmpOpEq, binaryutil.BigEndian.PutUint16(r.DPort)))
	}
	if r.CtDNAT {
		e = append(e,
			&expr.Ct{Register: 1, Key: expr.CtKeySTATUS},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: binaryutil.NativeEndian.PutUint32(ctStatusDNAT), Xor: binaryutil.NativeEndian.PutUint32(0)},
			cmp(expr.CmpOpNeq, binaryutil.NativeEndian.PutUint32(0)))
	}
	switch r.Action {
	case "accept":
		e = append(e, &expr.Verdict{Kind: expr.VerdictAccept})
	case "drop":
		e = append(e, &expr.Verdict{Kind: expr.VerdictDrop})
	case "jump":
		e = append(e, &expr.Verdict{Kind: expr.VerdictJump, Chain: r.Target})
	case "masquerade":
		e = append(e, &expr.Masq{})
	case "dnat":
		a := r.DNATAddr.As4()
		e = append(e,
			&expr.Immediate{Register: 1, Data: a[:]},
			&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(r.DNATPort)},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true})
	default:
		return nil, fmt.Errorf("firewall: unknown action %q", r.Action)
	}
	return e, nil
}

// ctStatusDNAT is IPS_DST_NAT of linux/netfilter/nf_conntrack_common.h.
const ctStatusDNAT uint32 = 1 << 5
