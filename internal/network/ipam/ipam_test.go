package ipam

import (
	"net/netip"
	"testing"
)

func TestPickSubnet(t *testing.T) {
	c := DefaultAddressPools()
	got, err := PickSubnet(c, nil)
	if err != nil || got.String() != "172.17.0.0/16" {
		t.Fatalf("empty host: %v %v", got, err)
	}
	used := []netip.Prefix{netip.MustParsePrefix("172.17.5.0/24"), netip.MustParsePrefix("172.18.0.1/32")}
	if got, _ = PickSubnet(c, used); got.String() != "172.19.0.0/16" {
		t.Fatalf("with 172.17/172.18 in use: %v", got)
	}
	if _, err := PickSubnet(c[:1], []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}); err != ErrNoSubnet {
		t.Fatalf("all in use: %v", err)
	}
	var inUse []netip.Prefix
	for i := 0; i < 15; i++ {
		got, err := PickSubnet(c, inUse)
		if err != nil {
			t.Fatal(err)
		}
		inUse = append(inUse, got)
	}
	if got := inUse[14].String(); got != "172.31.0.0/16" {
		t.Fatalf("15th default subnet: %s", got)
	}
	if got, _ := PickSubnet(c, inUse); got.String() != "192.168.0.0/20" {
		t.Fatalf("16th default subnet: %s", got)
	}
}

func TestPickSubnetFromPool(t *testing.T) {
	pools := []AddressPool{{Base: netip.MustParsePrefix("10.10.0.0/16"), Size: 24}}
	inUse := []netip.Prefix{netip.MustParsePrefix("10.10.0.128/25")}
	for i := 1; i <= 255; i++ {
		got, err := PickSubnet(pools, inUse)
		if err != nil || got != netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 10, byte(i), 0}), 24) {
			t.Fatalf("subnet %d: %v %v", i, got, err)
		}
		inUse = append(inUse, got)
	}
	if _, err := PickSubnet(pools, inUse); err != ErrNoSubnet {
		t.Fatalf("full pool: %v", err)
	}
	for _, bad := range []AddressPool{{Base: netip.MustParsePrefix("10.0.0.0/16"), Size: 8}, {Base: netip.MustParsePrefix("10.0.0.0/16"), Size: 31}, {}} {
		if bad.Check() == nil {
			t.Fatalf("pool %+v accepted", bad)
		}
	}
}

func TestAllocate(t *testing.T) {
	p, err := NewPool(netip.MustParsePrefix("10.9.0.0/29"), netip.Addr{}, netip.Prefix{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Gateway.String() != "10.9.0.1" {
		t.Fatalf("gateway %v", p.Gateway)
	}
	used := map[netip.Addr]bool{}
	var got []string
	for {
		a, err := p.Allocate(used)
		if err != nil {
			if err != ErrPoolFull {
				t.Fatal(err)
			}
			break
		}
		used[a] = true
		got = append(got, a.String())
	}
	// .0 network, .1 gateway, .7 broadcast are never given out.
	if len(got) != 5 || got[0] != "10.9.0.2" || got[4] != "10.9.0.6" {
		t.Fatalf("allocations %v", got)
	}
	delete(used, netip.MustParseAddr("10.9.0.4"))
	if a, _ := p.Allocate(used); a.String() != "10.9.0.4" {
		t.Fatalf("released address not reused: %v", a)
	}
}

func TestPoolChecks(t *testing.T) {
	if _, err := NewPool(netip.MustParsePrefix("10.0.0.0/24"), netip.MustParseAddr("10.0.1.1"), netip.Prefix{}); err == nil {
		t.Error("gateway outside subnet accepted")
	}
	if _, err := NewPool(netip.MustParsePrefix("10.0.0.0/24"), netip.Addr{}, netip.MustParsePrefix("10.1.0.0/28")); err == nil {
		t.Error("range outside subnet accepted")
	}
	p, err := NewPool(netip.MustParsePrefix("10.0.0.0/24"), netip.MustParseAddr("10.0.0.254"), netip.MustParsePrefix("10.0.0.128/25"))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := p.Allocate(nil); a.String() != "10.0.0.128" {
		t.Errorf("range start: %v", a)
	}
	if err := p.Request(netip.MustParseAddr("10.0.0.254"), nil); err == nil {
		t.Error("gateway accepted as --ip")
	}
	if err := p.Request(netip.MustParseAddr("10.0.0.9"), map[netip.Addr]bool{netip.MustParseAddr("10.0.0.9"): true}); err == nil {
		t.Error("used address accepted")
	}
	if err := p.Request(netip.MustParseAddr("10.0.0.9"), nil); err != nil {
		t.Error(err)
	}
}
