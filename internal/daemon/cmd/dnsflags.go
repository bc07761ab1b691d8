package cmd

import (
	"fmt"
	"net/netip"

	"github.com/spf13/pflag"

	"github.com/berth/berth/internal/daemon"
)

// dnsOptions are dockerd's container name defaults: --dns, --dns-search,
// --dns-opt and --host-gateway-ip (daemon.json: dns, dns-search, dns-opts,
// host-gateway-ip).
type dnsOptions struct {
	dns, search, opts []string
	hostGateway       string
}

func (o *dnsOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.dns, "dns", nil, "DNS server containers use when they give none (repeatable)")
	fs.StringArrayVar(&o.search, "dns-search", nil, "DNS search domain of containers that give none (repeatable)")
	fs.StringArrayVar(&o.opts, "dns-opt", nil, "resolv.conf option of containers that give none (repeatable)")
	fs.StringVar(&o.hostGateway, "host-gateway-ip", "", `address "host-gateway" stands for in --add-host (default the bridge's gateway)`)
}

// apply sets cfg from the flags, or else the file's keys.
func (o *dnsOptions) apply(fc *fileConfig, cfg *daemon.Config) error {
	servers, search, opts, gw := o.dns, o.search, o.opts, o.hostGateway
	if len(fc.DNS) > 0 {
		servers = fc.DNS
	}
	if len(fc.DNSSearch) > 0 {
		search = fc.DNSSearch
	}
	if len(fc.DNSOpts) > 0 {
		opts = fc.DNSOpts
	}
	if fc.HostGatewayIP != "" {
		gw = fc.HostGatewayIP
	}
	for _, s := range servers {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return fmt.Errorf("invalid dns server %q: not an IP address", s)
		}
		cfg.DNS = append(cfg.DNS, a)
	}
	cfg.DNSSearch, cfg.DNSOptions = search, opts
	if gw != "" {
		a, err := netip.ParseAddr(gw)
		if err != nil {
			return fmt.Errorf("invalid host-gateway-ip %q: not an IP address", gw)
		}
		cfg.HostGatewayIP = a
	}
	return nil
}
