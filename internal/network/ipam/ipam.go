package ipam

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrNoSubnet is returned when every candidate subnet overlaps one in use.
var ErrNoSubnet = errors.New("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")

// ErrPoolFull is returned when a pool has no free address left.
var ErrPoolFull = errors.New("no available IPv4 addresses on this network's address pools")

// DefaultCandidates returns Docker's default local address pools split into
// network-sized subnets: 172.17.0.0/16 … 172.31.0.0/16, then
// 192.168.0.0/20 … 192.168.240.0/20.
func DefaultCandidates() []netip.Prefix {
	var out []netip.Prefix
	for i := 17; i <= 31; i++ {
		out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(i), 0, 0}), 16))
	}
	for i := 0; i < 256; i += 16 {
		out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(i), 0}), 20))
	}
	return out
}

// Overlaps reports whether a and b share any address.
func Overlaps(a, b netip.Prefix) bool {
	return a.Overlaps(b)
}

// PickSubnet returns the first candidate that overlaps none of inUse.
func PickSubnet(candidates, inUse []netip.Prefix) (netip.Prefix, error) {
next:
	for _, c := range candidates {
		for _, u := range inUse {
			if u.IsValid() && c.Overlaps(u) {
				continue next
			}
		}
		return c, nil
	}
	return netip.Prefix{}, ErrNoSubnet
}

// Pool is the address pool of one network.
type Pool struct {
	Subnet  netip.Prefix
	Gateway netip.Addr
	// Range, if valid, restricts dynamic allocation to a sub-range.
	Range netip.Prefix
}

// NewPool checks a subnet, gateway and range as `network create` gets them
// and fills in the default gateway (the first host address).
func NewPool(subnet netip.Prefix, gateway netip.Addr, ipRange netip.Prefix) (Pool, error) {
	if !subnet.IsValid() || !subnet.Addr().Is4() {
		return Pool{}, fmt.Errorf("invalid subnet %s: only IPv4 subnets are supported", subnet)
	}
	if subnet.Bits() > 30 {
		return Pool{}, fmt.Errorf("invalid subnet %s: too small for a network", subnet)
	}
	subnet = subnet.Masked()
	if gateway.IsValid() {
		if !subnet.Contains(gateway) {
			return Pool{}, fmt.Errorf("invalid gateway %s: not in subnet %s", gateway, subnet)
		}
	} else {
		gateway = subnet.Addr().Next()
	}
	if ipRange.IsValid() {
		ipRange = ipRange.Masked()
		if !subnet.Contains(ipRange.Addr()) || ipRange.Bits() < subnet.Bits() {
			return Pool{}, fmt.Errorf("invalid ip-range %s: not in subnet %s", ipRange, subnet)
		}
	}
	return Pool{Subnet: subnet, Gateway: gateway, Range: ipRange}, nil
}

// broadcast returns the last address of p.
func broadcast(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Usable reports whether addr may be given to an endpoint of the pool: in
// the subnet, not its network or broadcast address, not the gateway.
func (p Pool) Usable(addr netip.Addr) bool {
	return p.Subnet.Contains(addr) && addr != p.Subnet.Masked().Addr() && addr != broadcast(p.Subnet) && addr != p.Gateway
}

// Allocate returns the first usable free address (within Range when set).
// used holds the addresses already given out.
func (p Pool) Allocate(used map[netip.Addr]bool) (netip.Addr, error) {
	r := p.Subnet
	if p.Range.IsValid() {
		r = p.Range
	}
	last := broadcast(r)
	for a := r.Masked().Addr(); ; a = a.Next() {
		if p.Usable(a) && !used[a] {
			return a, nil
		}
		if a == last {
			break
		}
	}
	return netip.Addr{}, ErrPoolFull
}

// Request checks a static address (--ip) against the pool and used.
func (p Pool) Request(addr netip.Addr, used map[netip.Addr]bool) error {
	if !p.Usable(addr) {
		return fmt.Errorf("invalid address %s: it does not belong to any of this network's subnets or is reserved", addr)
	}
	if used[addr] {
		return fmt.Errorf("Address already in use: %s", addr)
	}
	return nil
}
