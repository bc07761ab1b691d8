package firewall

import (
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

func ifname(n string) []byte {
	b := make([]byte, 16)
	copy(b, n+"\x00")
	return b
}

func cmp(op expr.CmpOp, data []byte) expr.Any {
	return &expr.Cmp{Op: op, Register: 1, Data: data}
}

// exprs turns r into nftables expressions; set is the table's SetBridges.
func (r Rule) exprs(set *nftables.Set) ([]expr.Any, error) {
	e := r.ifaceExprs(set)
	e = append(e, r.addrExprs()...)
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
		e = append(e, ctBits(expr.CtKeySTATUS, ctStatusDNAT)...)
	}
	if r.CtReplied {
		e = append(e, ctBits(expr.CtKeySTATE, expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED)...)
	}
	if r.CtOrig {
		// IP_CT_DIR_ORIGINAL is 0.
		e = append(e, &expr.Ct{Register: 1, Key: expr.CtKeyDIRECTION}, cmp(expr.CmpOpEq, []byte{0}))
	}
	action, err := r.actionExprs()
	if err != nil {
		return nil, err
	}
	return append(e, action...), nil
}

func (r Rule) ifaceExprs(set *nftables.Set) []expr.Any {
	var e []expr.Any
	byName := func(key expr.MetaKey, name string, not bool) {
		op := expr.CmpOpEq
		if not {
			op = expr.CmpOpNeq
		}
		e = append(e, &expr.Meta{Key: key, Register: 1}, cmp(op, ifname(name)))
	}
	bySet := func(key expr.MetaKey, not bool) {
		e = append(e, &expr.Meta{Key: key, Register: 1}, &expr.Lookup{SourceRegister: 1, SetName: set.Name, SetID: set.ID, Invert: not})
	}
	if r.IIF != "" {
		byName(expr.MetaKeyIIFNAME, r.IIF, r.IIFNot)
	}
	if r.IIFSet != "" {
		bySet(expr.MetaKeyIIFNAME, r.IIFSetNot)
	}
	if r.OIF != "" {
		byName(expr.MetaKeyOIFNAME, r.OIF, r.OIFNot)
	}
	if r.OIFSet != "" {
		bySet(expr.MetaKeyOIFNAME, false)
	}
	return e
}

func (r Rule) addrExprs() []expr.Any {
	var e []expr.Any
	if r.SrcNet.IsValid() {
		e = append(e, prefixExprs(12, r.SrcNet, expr.CmpOpEq)...)
	}
	if r.DstAddr.IsValid() {
		a := r.DstAddr.As4()
		e = append(e, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4}, cmp(expr.CmpOpEq, a[:]))
	}
	if r.DstNet.IsValid() {
		e = append(e, prefixExprs(16, r.DstNet, expr.CmpOpEq)...)
	}
	if r.DstNotNet.IsValid() {
		e = append(e, prefixExprs(16, r.DstNotNet, expr.CmpOpNeq)...)
	}
	if r.DstLocal {
		e = append(e, &expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true}, cmp(expr.CmpOpEq, binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)))
	}
	if r.DstOnIIF {
		e = append(e, &expr.Fib{Register: 1, FlagDADDR: true, FlagIIF: true, ResultADDRTYPE: true}, cmp(expr.CmpOpEq, binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)))
	}
	return e
}

// prefixExprs matches the IPv4 address at offset (12 source, 16
// destination) of the network header against prefix p (op: eq or neq).
func prefixExprs(offset uint32, p netip.Prefix, op expr.CmpOp) []expr.Any {
	p = p.Masked()
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
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: mask, Xor: []byte{0, 0, 0, 0}},
		cmp(op, a[:]),
	}
}

// ctBits matches when any of bits is set in the conntrack key (status or state).
func ctBits(key expr.CtKey, bits uint32) []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: 1, Key: key},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: binaryutil.NativeEndian.PutUint32(bits), Xor: binaryutil.NativeEndian.PutUint32(0)},
		cmp(expr.CmpOpNeq, binaryutil.NativeEndian.PutUint32(0)),
	}
}

func (r Rule) actionExprs() ([]expr.Any, error) {
	switch r.Action {
	case "accept":
		return []expr.Any{&expr.Verdict{Kind: expr.VerdictAccept}}, nil
	case "drop":
		return []expr.Any{&expr.Verdict{Kind: expr.VerdictDrop}}, nil
	case "jump":
		return []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: r.Target}}, nil
	case "masquerade":
		return []expr.Any{&expr.Masq{}}, nil
	case "mark", "markaccept":
		// mark = (mark & ^ForwardMark) ^ ForwardMark: the bit set, the
		// others kept.
		e := []expr.Any{
			&expr.Meta{Key: expr.MetaKeyMARK, Register: 1},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: binaryutil.NativeEndian.PutUint32(^ForwardMark), Xor: binaryutil.NativeEndian.PutUint32(ForwardMark)},
			&expr.Meta{Key: expr.MetaKeyMARK, SourceRegister: true, Register: 1},
		}
		if r.Action == "markaccept" {
			e = append(e, &expr.Verdict{Kind: expr.VerdictAccept})
		}
		return e, nil
	case "dnat":
		a := r.DNATAddr.As4()
		return []expr.Any{
			&expr.Immediate{Register: 1, Data: a[:]},
			&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(r.DNATPort)},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
		}, nil
	}
	return nil, fmt.Errorf("firewall: unknown action %q", r.Action)
}

// ctStatusDNAT is IPS_DST_NAT of linux/netfilter/nf_conntrack_common.h.
const ctStatusDNAT uint32 = 1 << 5
