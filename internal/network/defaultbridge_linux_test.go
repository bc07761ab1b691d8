package network

import (
	"net/netip"
	"testing"
)

// TestDefaultAddressing: bip gives the subnet and gateway, fixed-cidr the
// range (alone, the subnet too); a bip on the network's own address or a
// range outside the subnet is refused.
func TestDefaultAddressing(t *testing.T) {
	pp := netip.MustParsePrefix
	for _, tc := range []struct {
		a               DefaultAddressing
		subnet, gw, rng string
	}{
		{DefaultAddressing{BIP: pp("10.5.0.9/16")}, "10.5.0.0/16", "10.5.0.9", "invalid Prefix"},
		{DefaultAddressing{BIP: pp("10.5.0.1/16"), FixedCIDR: pp("10.5.7.0/24")}, "10.5.0.0/16", "10.5.0.1", "10.5.7.0/24"},
		{DefaultAddressing{FixedCIDR: pp("10.6.1.0/24")}, "10.6.1.0/24", "10.6.1.1", "10.6.1.0/24"},
	} {
		p, ok, err := tc.a.pool()
		if err != nil || !ok || p.Subnet.String() != tc.subnet || p.Gateway.String() != tc.gw || p.Range.String() != tc.rng {
			t.Errorf("%+v: %+v %v %v", tc.a, p, ok, err)
		}
	}
	if _, ok, err := (DefaultAddressing{}).pool(); ok || err != nil {
		t.Errorf("none set: ok %v, err %v", ok, err)
	}
	for _, bad := range []DefaultAddressing{{BIP: pp("10.5.0.0/16")}, {BIP: pp("10.5.0.1/24"), FixedCIDR: pp("10.6.0.0/24")}} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
