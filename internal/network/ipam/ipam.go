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

// AddressPool is a range from which networks without a --subnet get theirs:
// Base split into subnets of Size bits (dockerd's default-address-pools).
type AddressPool struct {
	Base netip.Prefix
	Size int
}

// DefaultAddressPools are Docker's default local address pools:
// 172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/20 … 192.168.240.0/20.
func DefaultAddressPools() []AddressPool {
	return []AddressPool{
		{Base: netip.MustParsePrefix("172.17.0.0/16"), Size: 16},
		{Base: netip.MustParsePrefix("172.18.0.0/15"), Size: 16},
		{Base: netip.MustParsePrefix("172.20.0.0/14"), Size: 16},
		{Base: netip.MustParsePrefix("172.24.0.0/13"), Size: 16},
		{Base: netip.MustParsePrefix("192.168.0.0/16"), Size: 20},
	}
}

// Check reports a pool that cannot give subnets: an IPv4 base, a size
// between the base's length and /30.
func (p AddressPool) Check() error {
	if !p.Base.IsValid() || !p.Base.Addr().Is4() {
		return fmt.Errorf("invalid address pool base %s: only IPv4 pools are supported", p.Base)
	}
	if p.Size < p.Base.Bits() || p.Size > 30 {
		return fmt.Errorf("invalid address pool size %d for base %s: want %d to 30", p.Size, p.Base, p.Base.Bits())
	}
	return nil
}

// PickSubnet returns the first subnet of the pools, in order, that overlaps
// none of inUse. Subnets are walked one by one without being listed, so a
// pool of 65,536 subnets costs only the subnets tried.
func PickSubnet(pools []AddressPool, inUse []netip.Prefix) (netip.Prefix, error) {
	for _, p := range pools {
		if p.Check() != nil {
			continue
		}
		base := p.Base.Masked()
		v := be32(base.Addr())
		step := uint32(1) << (32 - p.Size)
		for n := uint64(1) << (p.Size - p.Base.Bits()); n > 0; n-- {
			c := netip.PrefixFrom(addr32(v), p.Size)
			free := true
			for _, u := range inUse {
				if u.IsValid() && c.Overlaps(u) {
					free = false
					break
				}
			}
			if free {
				return c, nil
			}
			v += step
		}
	}
	return netip.Prefix{}, ErrNoSubnet
}

func be32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr32(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
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
	return addr32(be32(p.Masked().Addr()) | uint32(1)<<(32-p.Bits()) - 1)
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
