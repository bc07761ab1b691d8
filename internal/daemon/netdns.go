package daemon

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
func (d *Daemon) registerDNS(c *container.Container, ep network.Endpoint) {
	if d.net == nil {
		return
	}
	r, err := d.net.Get(ep.NetworkID)
	if err != nil || r.Default {
		return
	}
	d.dns.table(r).Set(c.ID, dnsNames(c, ep.Aliases), []netip.Addr{ep.Addr})
}

// unregisterDNS forgets the container in every table and stops its server.
func (d *Daemon) unregisterDNS(id string) {
	d.dns.servers.Stop(id)
	d.dns.mu.Lock()
	tables := make([]*dns.Table, 0, len(d.dns.tables))
	for _, t := range d.dns.tables {
		tables = append(tables, t)
	}
	d.dns.mu.Unlock()
	for _, t := range tables {
		t.Remove(id)
	}
}

// unregisterDNSOn forgets the container in one network's table.
func (d *Daemon) unregisterDNSOn(id string, r network.Record) {
	d.dns.table(r).Remove(id)
}

// containerNames answers for a container: the tables of the user networks
// it is on now.
func (d *Daemon) containerNames(id string) dns.Names {
	tables := func() []dns.Names {
		var out []dns.Names
		for _, e := range d.endpoints(id) {
			if r, err := d.net.Get(e.NetworkID); err == nil && !r.Default {
				out = append(out, d.dns.table(r))
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
func (d *Daemon) startDNS(c *container.Container, nsPath string, en etcNetwork, upstreams []netip.AddrPort) error {
	if !en.Embedded || nsPath == "" {
		return nil
	}
	id := c.ID
	return d.dns.servers.Start(id, nsPath, dns.Config{Names: d.containerNames(id), Upstreams: upstreams, Logger: d.log,
		MayForward: func() bool { return d.hasWayOut(id) }})
}

// hasWayOut reports whether the container has an endpoint on a network
// that is not --internal.
func (d *Daemon) hasWayOut(id string) bool {
	for _, e := range d.endpoints(id) {
		if r, err := d.net.Get(e.NetworkID); err == nil && !r.Internal {
			return true
		}
	}
	return false
}

// restoreDNS refills the tables and reopens the servers of the running
// containers after a daemon start.
func (d *Daemon) restoreDNS() {
	if d.net == nil {
		return
	}
	host, _ := os.ReadFile(hostResolvConf)
	for _, c := range d.containers.List() {
		c.Lock()
		running := c.State.Running()
		eps := d.net.Endpoints(c.ID)
		embedded := false
		for _, e := range eps {
			d.registerDNS(c, e)
			if r, err := d.net.Get(e.NetworkID); err == nil && !r.Default {
				embedded = true
			}
		}
		hc := c.HostConfig
		c.Unlock()
		if !running || !embedded || !d.net.HasSandbox(c.ID) {
			continue
		}
		_, upstreams := dns.ContainerResolvConf(dns.ParseResolvConf(host), dns.Embedded, d.dnsOverrides(hc))
		if err := d.startDNS(c, d.net.NetNSPath(c.ID), etcNetwork{Embedded: true}, upstreams); err != nil {
			d.log.Warn("restore: embedded DNS", "id", c.ID, "err", err)
		}
	}
}

// renameEndpoints gives c's endpoints and DNS records its new name.
func (d *Daemon) renameEndpoints(c *container.Container) {
	if d.net == nil {
		return
	}
	c.Lock()
	defer c.Unlock()
	d.net.Rename(c.ID, strings.TrimPrefix(c.Name, "/"))
	for _, e := range d.net.Endpoints(c.ID) {
		d.registerDNS(c, e)
	}
}
