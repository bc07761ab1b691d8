package netglue

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/network"
	"github.com/berth/berth/internal/network/dns"
)

// writeEtcFile replaces the content of one of the container's name files in
// place: the file is bind-mounted into the container, so a running
// container (network connect, disconnect) sees the new content only in the
// same inode. The files are derived, rebuilt at each start: no fsync.
// O_NOFOLLOW: never write through a symlink planted in their place.
func writeEtcFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// etcNetwork is what the name files need to know of a container's
// networks; the network set-up fills it at start. The zero value is a
// container without addresses (none, host, or before networking).
type etcNetwork struct {
	Addrs    []netip.Addr // the container's own addresses: /etc/hosts lines
	Aliases  []string     // more names on those lines (network aliases)
	Embedded bool         // on a user network: resolv.conf names 127.0.0.11
}

// hostResolvConf is the host's resolver configuration file.
var hostResolvConf = "/etc/resolv.conf"

// hostHosts is the host's hosts file, the base of --network host's.
var hostHosts = "/etc/hosts"

// writeEtcFiles writes the hostname, hosts and resolv.conf files that are
// bind-mounted into the container (Docker's rules, see network/dns), and
// returns the upstreams its embedded DNS server forwards to when n is
// Embedded. They are rewritten at each start, before the process starts,
// and may be rewritten while it runs; the caller holds c's lock.
func (s *Service) writeEtcFiles(c *container.Container, n etcNetwork) ([]netip.AddrPort, error) {
	hc := c.HostConfig
	if hc.NetworkMode.IsContainer() {
		return nil, s.copyEtcFiles(c)
	}
	extra, err := s.extraHosts(c)
	if err != nil {
		return nil, err
	}
	hostname := c.Config.Hostname
	var hosts []byte
	if hc.NetworkMode.IsHost() {
		base, err := os.ReadFile(hostHosts)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read %s: %w", hostHosts, err)
		}
		hosts = dns.AppendHosts(base, extra)
	} else {
		hosts = dns.Hosts(dns.HostsConfig{
			Hostname: hostname, Domainname: c.Config.Domainname,
			Addrs: n.Addrs, Aliases: n.Aliases, Extra: extra,
		})
	}
	host, err := os.ReadFile(hostResolvConf)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", hostResolvConf, err)
	}
	mode := dns.Private
	switch {
	case hc.NetworkMode.IsHost():
		mode = dns.HostNetwork
	case n.Embedded:
		mode = dns.Embedded
	}
	resolv, upstreams := dns.ContainerResolvConf(dns.ParseResolvConf(host), mode, s.dnsOverrides(hc))
	dir := s.containerDir(c.ID)
	for _, f := range []struct {
		name string
		data []byte
	}{{"hostname", []byte(hostname + "\n")}, {"hosts", hosts}, {"resolv.conf", resolv}} {
		if err := writeEtcFile(filepath.Join(dir, f.name), f.data); err != nil {
			return nil, fmt.Errorf("write %s of container %s: %w", f.name, c.ID, err)
		}
	}
	return upstreams, nil
}

// CreateEtcFiles writes the name files of a container being created
// (no addresses yet: the start rewrites them). The caller holds c's lock
// or owns c alone.
func (s *Service) CreateEtcFiles(c *container.Container) error {
	_, err := s.writeEtcFiles(c, etcNetwork{})
	return err
}

// copyEtcFiles gives a container in another's network namespace
// (--network container:NAME) that container's name files and hostname, as
// Docker does (Docker shares the very files; a copy taken at each start is
// what the container sees at its start).
func (s *Service) copyEtcFiles(c *container.Container) error {
	ref := c.HostConfig.NetworkMode.ConnectedContainer()
	other, err := s.containers.Get(ref)
	if err != nil {
		return err
	}
	if other == c {
		return errdefs.InvalidParameter(errors.New("cannot join own network namespace"))
	}
	other.Lock()
	hostname, domain := other.Config.Hostname, other.Config.Domainname
	other.Unlock()
	c.Config.Hostname, c.Config.Domainname = hostname, domain
	for _, name := range []string{"hostname", "hosts", "resolv.conf"} {
		data, err := os.ReadFile(filepath.Join(s.containerDir(other.ID), name))
		if err != nil {
			return fmt.Errorf("read %s of container %s: %w", name, other.ID, err)
		}
		if err := writeEtcFile(filepath.Join(s.containerDir(c.ID), name), data); err != nil {
			return fmt.Errorf("write %s of container %s: %w", name, c.ID, err)
		}
	}
	return nil
}

// dnsOverrides returns the container's --dns, --dns-search and
// --dns-option, each falling back to the daemon's own setting.
func (s *Service) dnsOverrides(hc *containertypes.HostConfig) dns.Overrides {
	o := dns.Overrides{Nameservers: hc.DNS, Search: hc.DNSSearch, Options: hc.DNSOptions}
	if len(o.Nameservers) == 0 {
		o.Nameservers = s.opts.DNS
	}
	if len(o.Search) == 0 {
		o.Search = s.opts.DNSSearch
	}
	if len(o.Options) == 0 {
		o.Options = s.opts.DNSOptions
	}
	return o
}

// extraHosts returns the --add-host lines, then one line per --link to a
// container that has an address on the default bridge.
func (s *Service) extraHosts(c *container.Container) ([]dns.HostEntry, error) {
	var l []dns.HostEntry
	for _, h := range c.HostConfig.ExtraHosts {
		e, err := dns.ParseExtraHost(h, s.hostGatewayIP())
		if err != nil {
			return nil, errdefs.InvalidParameter(err)
		}
		l = append(l, e)
	}
	for _, link := range c.HostConfig.Links {
		name, alias := parseLink(link)
		child, err := s.containers.Get(name)
		if err != nil {
			return nil, errdefs.InvalidParameter(fmt.Errorf("could not get container for %s: %v", name, err))
		}
		if child == c {
			continue
		}
		child.Lock()
		hostname := child.Config.Hostname
		childName := strings.TrimPrefix(child.Name, "/")
		child.Unlock()
		if addr := s.linkAddr(child); addr.IsValid() {
			l = append(l, dns.LinkEntry(alias, childName, hostname, addr))
		}
	}
	return l, nil
}

// CheckLinks fails unless every container c links to is running, as
// Docker's start does for a container on the default bridge (links mean
// nothing elsewhere, and Docker checks nothing there either).
func (s *Service) CheckLinks(c *container.Container) error {
	if nm := c.HostConfig.NetworkMode; !nm.IsBridge() && !nm.IsDefault() && nm != "" {
		return nil
	}
	for _, link := range c.HostConfig.Links {
		name, alias := parseLink(link)
		child, err := s.containers.Get(name)
		if err != nil {
			return errdefs.InvalidParameter(fmt.Errorf("could not get container for %s: %v", name, err))
		}
		if child == c {
			continue
		}
		child.Lock()
		running := child.State.Running()
		child.Unlock()
		if !running {
			return errdefs.InvalidParameter(fmt.Errorf("Cannot link to a non running container: %s AS %s/%s", child.Name, c.Name, alias))
		}
	}
	return nil
}

// parseLink splits "name[:alias]" (leading slashes, as in Docker's stored
// form "/child:/parent/alias", trimmed).
func parseLink(s string) (name, alias string) {
	name, alias, ok := strings.Cut(s, ":")
	name = strings.TrimPrefix(name, "/")
	if !ok {
		return name, name
	}
	if i := strings.LastIndex(alias, "/"); i >= 0 {
		alias = alias[i+1:]
	}
	return name, alias
}

// ValidateNames checks the name options of a container being created: the
// --add-host format (host-gateway needs a gateway), and --link targets that
// exist and are not in the host's network namespace (Docker's rules).
func (s *Service) ValidateNames(hc *containertypes.HostConfig) error {
	for _, h := range hc.ExtraHosts {
		if _, err := dns.ParseExtraHost(h, s.hostGatewayIP()); err != nil {
			return errdefs.InvalidParameter(err)
		}
	}
	if hc.NetworkMode.IsContainer() {
		// Docker's rules: the joined container's names are used as they are.
		switch {
		case len(hc.ExtraHosts) > 0:
			return errdefs.InvalidParameter(errors.New("conflicting options: custom host-to-IP mapping and the network mode"))
		case len(hc.DNS) > 0 || len(hc.DNSSearch) > 0 || len(hc.DNSOptions) > 0:
			return errdefs.InvalidParameter(errors.New("conflicting options: dns and the network mode"))
		case len(hc.Links) > 0:
			return errdefs.InvalidParameter(errors.New("conflicting options: container type network can't be used with links. This would result in undefined behavior"))
		}
	}
	if len(hc.Links) == 0 {
		return nil
	}
	if hc.NetworkMode.IsHost() {
		return errdefs.InvalidParameter(errors.New("conflicting options: host type networking can't be used with links. This would result in undefined behavior"))
	}
	for _, link := range hc.Links {
		name, alias := parseLink(link)
		if name == "" || alias == "" {
			return errdefs.InvalidParameter(fmt.Errorf("invalid link %q: use name[:alias]", link))
		}
		child, err := s.containers.Get(name)
		if err != nil {
			// %v, not %w: a not-found category would make the docker CLI
			// try to pull the image (it reads 404 on create that way).
			return errdefs.InvalidParameter(fmt.Errorf("could not get container for %s: %v", name, err))
		}
		child.Lock()
		host := child.HostConfig.NetworkMode.IsHost()
		child.Unlock()
		if host {
			return errdefs.InvalidParameter(errors.New("conflicting options: host type networking can't be used with links. This would result in undefined behavior"))
		}
	}
	return nil
}

// hostGatewayIP is the address "host-gateway" stands for in --add-host:
// the daemon's host-gateway-ip, else the default bridge's gateway (filled
// in by the network wiring); invalid when there is neither.
func (s *Service) hostGatewayIP() netip.Addr {
	if s.opts.HostGatewayIP.IsValid() || s.net == nil {
		return s.opts.HostGatewayIP
	}
	if r, err := s.net.Get(network.DefaultName); err == nil {
		return r.Gateway
	}
	return netip.Addr{}
}

// linkAddr is the address of a linked container on the default bridge
// (filled in by the network wiring); invalid when it has none, and then
// the link gets no hosts line, as in Docker.
func (s *Service) linkAddr(child *container.Container) netip.Addr {
	if s.net == nil {
		return netip.Addr{}
	}
	def, err := s.net.Get(network.DefaultName)
	if err != nil {
		return netip.Addr{}
	}
	for _, e := range s.net.Endpoints(child.ID) {
		if e.NetworkID == def.ID {
			return e.Addr
		}
	}
	return netip.Addr{}
}
