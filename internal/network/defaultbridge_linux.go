package network

import (
	"fmt"
	"net/netip"

	"github.com/berth/berth/internal/network/ipam"
)

// DefaultAddressing is dockerd's bip and fixed-cidr: the default bridge's
// own address with its subnet's length (192.168.5.1/24), and the range
// its containers' addresses come from, within that subnet (alone, it is
// the subnet too).
type DefaultAddressing struct {
	BIP, FixedCIDR netip.Prefix
}

// pool returns the default bridge's subnet, gateway and range a names;
// ok is false when it names none.
func (a DefaultAddressing) pool() (p ipam.Pool, ok bool, err error) {
	if !a.BIP.IsValid() && !a.FixedCIDR.IsValid() {
		return ipam.Pool{}, false, nil
	}
	subnet, gw := a.FixedCIDR.Masked(), netip.Addr{}
	if a.BIP.IsValid() {
		subnet, gw = a.BIP.Masked(), a.BIP.Addr()
		if gw == subnet.Addr() {
			return ipam.Pool{}, false, fmt.Errorf("invalid bip %s: the address of the network itself, not one of its hosts", a.BIP)
		}
	}
	p, err = ipam.NewPool(subnet, gw, a.FixedCIDR)
	if err != nil {
		return p, false, fmt.Errorf("bip %s, fixed-cidr %s: %w", a.BIP, a.FixedCIDR, err)
	}
	return p, true, nil
}

// Check reports whether a can address a bridge.
func (a DefaultAddressing) Check() error {
	_, _, err := a.pool()
	return err
}

// sameAddressing reports whether r has pool p's subnet, gateway and range.
func sameAddressing(r *Record, p ipam.Pool) bool {
	return r.Subnet == p.Subnet && r.Gateway == p.Gateway && r.IPRange == p.Range
}

// readdressable reports whether no endpoint is on network r, whose bridge
// may then be made again with another address.
func (m *Manager) readdressable(r *Record) bool {
	for _, ep := range m.eps {
		if ep.NetworkID == r.ID {
			return false
		}
	}
	return true
}
