package netglue

import (
	"net/netip"
	"os"
	"strings"
	"sync"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/network"
	"github.com/berth/berth/internal/network/dns"
)

// netDNS is the daemon's side of the embedded DNS: one name table per user
// network (the containers' names, aliases and short IDs with their
// addresses on it) and one server per running container started on a user
// network. The servers ask the tables at each query, so connect and
// disconnect show at once.
type netDNS struct {
	mu      sync.Mutex
	tables  map[string]*dns.Table // network ID → table
	servers dns.Servers
}

func (n *netDNS) table(r network.Record) *dns.Table {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.tables == nil {
		n.tables = map[string]*dns.Table{}
	}
	t := n.tables[r.ID]
	if t == nil {
		t = &dns.Table{Domain: r.Name}
		n.tables[r.ID] = t
	}
	return t
}

// dnsNames are the names a container answers to on a user network.
func dnsNames(c *container.Container, aliases []string) []string {
	names := []string{strings.TrimPrefix(c.Name, "/")}
	names = append(names, aliases...)
	names = append(names, container.ShortID(c.ID))
	if h := c.Config.Hostname; h != "" && h != container.ShortID(c.ID) {
		names = append(names, h)
	}
	return names
}

// registerDNS records ep of c in its network's table (user networks only;
// the default bridge has no name service, as in Docker).
func (s *Service) registerDNS(c *container.Container, ep network.Endpoint) {
	if s.net == nil {
		return
	}
	r, err := s.net.Get(ep.NetworkID)
	if err != nil || r.Default {
		return
	}
	s.dns.table(r).Set(c.ID, dnsNames(c, ep.Aliases), []netip.Addr{ep.Addr})
}

// unregisterDNS forgets the container in every table and stops its server.
func (s *Service) unregisterDNS(id string) {
	s.dns.servers.Stop(id)
	s.dns.mu.Lock()
	tables := make([]*dns.Table, 0, len(s.dns.tables))
	for _, t := range s.dns.tables {
		tables = append(tables, t)
	}
	s.dns.mu.Unlock()
	for _, t := range tables {
		t.Remove(id)
	}
}

// unregisterDNSOn forgets the container in one network's table.
func (s *Service) unregisterDNSOn(id string, r network.Record) {
	s.dns.table(r).Remove(id)
}

// containerNames answers for a container: the tables of the user networks
// it is on now.
func (s *Service) containerNames(id string) dns.Names {
	tables := func() []dns.Names {
		var out []dns.Names
		for _, e := range s.endpoints(id) {
			if r, err := s.net.Get(e.NetworkID); err == nil && !r.Default {
				out = append(out, s.dns.table(r))
			}
		}
		return out
	}
	return dns.NamesFunc(
		func(name string) ([]netip.Addr, bool) { return dns.Chain(tables()...).LookupHost(name) },
		func(a netip.Addr) ([]string, bool) { return dns.Chain(tables()...).LookupAddr(a) },
	)
}

// startDNS opens the embedded server of a container started on a user
// network, inside its namespace. It forwards only while the container has
// a network that is not --internal, decided at each question, so connect
// and disconnect change it at once (CVE-2024-29018).
func (s *Service) startDNS(c *container.Container, nsPath string, en etcNetwork, upstreams []netip.AddrPort) error {
	if !en.Embedded || nsPath == "" {
		return nil
	}
	id := c.ID
	return s.dns.servers.Start(id, nsPath, dns.Config{Names: s.containerNames(id), Upstreams: upstreams, Logger: s.log,
		MayForward: func() bool { return s.hasWayOut(id) }})
}

// hasWayOut reports whether the container has an endpoint on a network
// that is not --internal.
func (s *Service) hasWayOut(id string) bool {
	for _, e := range s.endpoints(id) {
		if r, err := s.net.Get(e.NetworkID); err == nil && !r.Internal {
			return true
		}
	}
	return false
}

// RestoreDNS refills the tables and reopens the servers of the running
// containers after a daemon start.
func (s *Service) RestoreDNS() {
	if s.net == nil {
		return
	}
	host, _ := os.ReadFile(hostResolvConf)
	for _, c := range s.containers.List() {
		c.Lock()
		running := c.State.Running()
		eps := s.net.Endpoints(c.ID)
		embedded := false
		for _, e := range eps {
			s.registerDNS(c, e)
			if r, err := s.net.Get(e.NetworkID); err == nil && !r.Default {
				embedded = true
			}
		}
		hc := c.HostConfig
		c.Unlock()
		if !running || !embedded || !s.net.HasSandbox(c.ID) {
			continue
		}
		_, upstreams := dns.ContainerResolvConf(dns.ParseResolvConf(host), dns.Embedded, s.dnsOverrides(hc))
		if err := s.startDNS(c, s.net.NetNSPath(c.ID), etcNetwork{Embedded: true}, upstreams); err != nil {
			s.log.Warn("restore: embedded DNS", "id", c.ID, "err", err)
		}
	}
}

// Rename gives c's endpoints and DNS records its new name.
func (s *Service) Rename(c *container.Container) {
	if s.net == nil {
		return
	}
	c.Lock()
	defer c.Unlock()
	s.net.Rename(c.ID, strings.TrimPrefix(c.Name, "/"))
	for _, e := range s.net.Endpoints(c.ID) {
		s.registerDNS(c, e)
	}
}
