package cmd

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/berth/berth/internal/daemon"
	"github.com/berth/berth/internal/network"
)

// addressPool is one entry of daemon.json's default-address-pools.
type addressPool struct {
	Base string `json:"base"`
	Size int    `json:"size"`
}

// parsePoolFlag reads dockerd's --default-address-pool value,
// "base=10.10.0.0/16,size=24".
func parsePoolFlag(s string) (addressPool, error) {
	var p addressPool
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "base":
			p.Base = v
		case "size":
			n, err := strconv.Atoi(v)
			if err != nil {
				return p, fmt.Errorf("invalid --default-address-pool %q: size %q is not a number", s, v)
			}
			p.Size = n
		default:
			return p, fmt.Errorf("invalid --default-address-pool %q: unknown field %q (want base=CIDR,size=N)", s, k)
		}
	}
	return p, nil
}

// applyPools sets cfg.AddressPools from the flags, else the file; each
// pool must give subnets.
func applyPools(flags []string, file []addressPool, cfg *daemon.Config) error {
	pools := file
	if len(flags) > 0 {
		pools = nil
		for _, f := range flags {
			p, err := parsePoolFlag(f)
			if err != nil {
				return err
			}
			pools = append(pools, p)
		}
	}
	for _, p := range pools {
		base, err := netip.ParsePrefix(p.Base)
		if err != nil {
			return fmt.Errorf("invalid default address pool base %q: %w", p.Base, err)
		}
		ap := network.AddressPool{Base: base, Size: p.Size}
		if err := ap.Check(); err != nil {
			return err
		}
		cfg.AddressPools = append(cfg.AddressPools, ap)
	}
	return nil
}

// applyDefaultAddressing sets the default bridge's bip and fixed-cidr from
// the flags or the file.
func applyDefaultAddressing(o *options, fc *fileConfig, cfg *daemon.Config) error {
	bip, fixed := o.bip, o.fixedCIDR
	if fc.BIP != "" {
		bip = fc.BIP
	}
	if fc.FixedCIDR != "" {
		fixed = fc.FixedCIDR
	}
	a := &cfg.DefaultAddressing
	for _, f := range []struct {
		key, val string
		dst      *netip.Prefix
	}{{"bip", bip, &a.BIP}, {"fixed-cidr", fixed, &a.FixedCIDR}} {
		if f.val == "" {
			continue
		}
		p, err := netip.ParsePrefix(f.val)
		if err != nil || !p.Addr().Is4() {
			return fmt.Errorf("invalid %s %q: want an IPv4 address with a prefix length (192.168.5.1/24)", f.key, f.val)
		}
		*f.dst = p
	}
	return a.Check()
}
