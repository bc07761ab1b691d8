package compose

import (
	"net/netip"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/network"
)

// ipamConfig is a network's ipam section as the API's, nil when empty.
func ipamConfig(c types.IPAMConfig) *network.IPAM {
	if c.Driver == "" && len(c.Config) == 0 {
		return nil
	}
	ipam := &network.IPAM{Driver: c.Driver}
	for _, pool := range c.Config {
		var cfg network.IPAMConfig
		cfg.Subnet, _ = netip.ParsePrefix(pool.Subnet)
		cfg.IPRange, _ = netip.ParsePrefix(pool.IPRange)
		cfg.Gateway, _ = netip.ParseAddr(pool.Gateway)
		ipam.Config = append(ipam.Config, cfg)
	}
	return ipam
}
