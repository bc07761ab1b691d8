package network

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"

	"github.com/berth/berth/internal/crashpoint"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/network/bridge"
	"github.com/berth/berth/internal/network/firewall"
	"github.com/berth/berth/internal/network/ipam"
)

// NetNSPath is where the network namespace of a container is pinned.
func (m *Manager) NetNSPath(containerID string) string { return filepath.Join(m.nsDir, containerID) }

// CreateSandbox creates the container's network namespace (loopback up).
func (m *Manager) CreateSandbox(containerID string) (string, error) {
	p := m.NetNSPath(containerID)
	_ = bridge.DeleteNetNS(p) // a leftover of a crash
	if err := bridge.NewNetNS(p); err != nil {
		return "", err
	}
	return p, nil
}

// HasSandbox reports whether the container's namespace is pinned.
func (m *Manager) HasSandbox(containerID string) bool {
	_, err := os.Stat(m.NetNSPath(containerID))
	return err == nil
}

// ConnectOptions are the per-endpoint settings.
type ConnectOptions struct {
	ContainerName string
	IP            netip.Addr // --ip
	Aliases       []string
	Ports         []PortRequest
	DefaultRoute  bool
	MAC           net.HardwareAddr // --mac-address; nil: Docker's, from the address
	// TakeOverFrom is a container whose published host ports the new
	// endpoint shares instead of failing on them, until TakeOver (a
	// start-first redeploy).
	TakeOverFrom string
}

// Connect plugs the container's namespace into the network: an address,
// a veth, host ports reserved and rules written. Nothing remains of a
// failed connect.
func (m *Manager) Connect(containerID, netRef string, o ConnectOptions) (ep Endpoint, retErr error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get(netRef)
	if err != nil {
		return ep, err
	}
	if r.Driver != "bridge" {
		return ep, errdefs.InvalidParameter(fmt.Errorf("container cannot be connected to network %s (driver %s)", r.Name, r.Driver))
	}
	key := containerID + "/" + r.ID
	if _, ok := m.eps[key]; ok {
		return ep, errdefs.Forbidden(fmt.Errorf("endpoint with name %s already exists in network %s", o.ContainerName, r.Name))
	}
	if o.IP.IsValid() && !r.UserSubnet {
		return ep, errdefs.InvalidParameter(errors.New("user specified IP address is supported only when connecting to networks with user configured subnets"))
	}
	pool := ipam.Pool{Subnet: r.Subnet, Gateway: r.Gateway, Range: r.IPRange}
	used := map[netip.Addr]bool{}
	ifUsed := map[string]bool{}
	for _, e := range m.eps {
		if e.NetworkID == r.ID {
			used[e.Addr] = true
		}
		if e.ContainerID == containerID {
			ifUsed[e.IfName] = true
		}
	}
	var addr netip.Addr
	if o.IP.IsValid() {
		if err := pool.Request(o.IP, used); err != nil {
			return ep, errdefs.InvalidParameter(err)
		}
		addr = o.IP
	} else if addr, err = pool.Allocate(used); err != nil {
		return ep, errdefs.Unavailable(err)
	}
	mac := o.MAC
	if len(mac) == 0 {
		mac = bridge.MACFor(addr)
	}
	ifName := "eth0"
	for i := 1; ifUsed[ifName]; i++ {
		ifName = fmt.Sprintf("eth%d", i)
	}
	ep = Endpoint{
		ID: newID(), ContainerID: containerID, ContainerName: o.ContainerName, NetworkID: r.ID, IfName: ifName,
		HostVeth: m.vethName(), Addr: addr, MAC: mac.String(), Aliases: o.Aliases,
	}
	var reserved []string
	defer func() {
		if retErr != nil {
			for _, k := range reserved {
				m.freePort(k, ep.ID)
			}
		}
	}()
	for _, pr := range o.Ports {
		if m.heldBy(pr, o.TakeOverFrom) {
			ep.TakesOver = o.TakeOverFrom
			ep.Ports = append(ep.Ports, firewall.Port{Proto: pr.Proto, HostIP: pr.HostIP, HostPort: pr.HostPortStart, ContainerIP: addr, ContainerPort: pr.ContainerPort})
			continue
		}
		hp, k, err := m.reservePort(pr, ep.ID)
		if err != nil {
			return ep, fmt.Errorf("driver failed programming external connectivity on endpoint %s (%s): %w", o.ContainerName, ep.ID, err)
		}
		reserved = append(reserved, k)
		ep.Ports = append(ep.Ports, firewall.Port{Proto: pr.Proto, HostIP: pr.HostIP, HostPort: hp, ContainerIP: addr, ContainerPort: pr.ContainerPort})
	}
	if err := m.epdb.Put(bucketEndpoints, key, &ep); err != nil {
		return ep, err
	}
	defer func() {
		if retErr != nil {
			_ = m.epdb.Delete(bucketEndpoints, key)
		}
	}()
	gw := netip.Addr{}
	if o.DefaultRoute && !r.Internal {
		gw = r.Gateway
	}
	if err := bridge.Attach(m.NetNSPath(containerID), bridge.Endpoint{
		Bridge: r.Bridge, HostVeth: ep.HostVeth, IfName: ifName, Addr: netip.PrefixFrom(addr, r.Subnet.Bits()),
		Gateway: gw, MAC: mac, Isolated: r.Default && m.cfg.NoICC,
	}); err != nil {
		return ep, err
	}
	crashpoint.At("network-connect-after-veth")
	m.setEp(key, &ep)
	if len(ep.Ports) > 0 || m.dirty {
		if err := m.applyLocked(); err != nil {
			m.dropEp(key)
			_ = bridge.Detach(ep.HostVeth)
			return ep, err
		}
	}
	return ep, nil
}

func (m *Manager) vethName() string {
	for {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		h := hex.EncodeToString(b)
		var n string
		if m.cfg.Bridge == DefaultBridge {
			n = "veth" + h[:7]
		} else {
			p := m.cfg.Bridge
			if len(p) > 10 {
				p = p[:10]
			}
			n = p + h[:15-len(p)]
		}
		if !bridge.Exists(n) {
			return n
		}
	}
}

// Disconnect removes the container's endpoint on the network.
func (m *Manager) Disconnect(containerID, netRef string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get(netRef)
	if err != nil {
		return err
	}
	key := containerID + "/" + r.ID
	ep, ok := m.eps[key]
	if !ok {
		return errdefs.Forbidden(fmt.Errorf("container %s is not connected to network %s", containerID[:min(12, len(containerID))], r.Name))
	}
	m.releaseLocked(key, ep, !m.HasSandbox(containerID))
	if m.HasSandbox(containerID) {
		_ = bridge.DetachIn(m.NetNSPath(containerID), ep.IfName)
	}
	return m.applyLocked()
}

// releaseLocked forgets an endpoint and frees its host ports (or hands
// them over to an endpoint waiting for them); with deleteVeth its veth pair
// is deleted at once (disconnect), otherwise in the background (deleting a
// veth costs tens of milliseconds, which the exit path of every container
// need not wait for).
func (m *Manager) releaseLocked(key string, ep *Endpoint, deleteVeth bool) {
	if m.inheritLocked(ep.ContainerID) {
		m.dirty = true
	}
	for _, p := range ep.Ports {
		m.freePort(portKey(p.Proto, p.HostIP, p.HostPort), ep.ID)
	}
	if deleteVeth {
		if err := bridge.Detach(ep.HostVeth); err != nil {
			m.log.Warn("delete veth", "veth", ep.HostVeth, "err", err)
		}
	} else {
		// Off the exit path: the namespace's teardown would take the
		// veth with it, but only once nothing holds the namespace.
		go func(name string) { _ = bridge.Detach(name) }(ep.HostVeth)
	}
	if err := m.epdb.Delete(bucketEndpoints, key); err != nil {
		m.log.Warn("delete endpoint record", "key", key, "err", err)
	}
	m.dropEp(key)
	if len(ep.Ports) > 0 {
		m.dirty = true
	}
}

// Release removes every endpoint of the container and its namespace.
func (m *Manager) Release(containerID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hasNS := m.HasSandbox(containerID)
	if hasNS {
		bridge.Quiesce(m.NetNSPath(containerID))
	}
	for k, ep := range m.eps {
		if ep.ContainerID == containerID {
			m.releaseLocked(k, ep, !hasNS)
		}
	}
	if err := bridge.DeleteNetNS(m.NetNSPath(containerID)); err != nil {
		m.log.Warn("delete netns", "id", containerID, "err", err)
	}
	if m.dirty {
		if err := m.applyLocked(); err != nil {
			m.log.Warn("rewrite rules", "err", err)
		}
	}
}

// endpointsWhere copies out the endpoints that match.
func (m *Manager) endpointsWhere(match func(*Endpoint) bool) []Endpoint {
	m.view.RLock()
	defer m.view.RUnlock()
	var out []Endpoint
	for _, e := range m.eps {
		if match(e) {
			out = append(out, *e)
		}
	}
	return out
}

// setEp records e under key, in eps and in its container's index. The
// caller holds mu (or is New).
func (m *Manager) setEp(key string, e *Endpoint) {
	m.view.Lock()
	defer m.view.Unlock()
	m.eps[key] = e
	if m.byCtr[e.ContainerID] == nil {
		m.byCtr[e.ContainerID] = map[string]*Endpoint{}
	}
	m.byCtr[e.ContainerID][key] = e
}

// dropEp forgets the endpoint under key. The caller holds mu.
func (m *Manager) dropEp(key string) {
	m.view.Lock()
	defer m.view.Unlock()
	e, ok := m.eps[key]
	if !ok {
		return
	}
	delete(m.eps, key)
	delete(m.byCtr[e.ContainerID], key)
	if len(m.byCtr[e.ContainerID]) == 0 {
		delete(m.byCtr, e.ContainerID)
	}
}

// Endpoints returns the container's endpoints, eth0 first. It looks them
// up by container (ps asks for each one: no walk over all endpoints), and
// does not wait for a change in progress (a connect's kernel work).
func (m *Manager) Endpoints(containerID string) []Endpoint {
	m.view.RLock()
	var out []Endpoint
	for _, e := range m.byCtr[containerID] {
		out = append(out, *e)
	}
	m.view.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		return len(out[i].IfName) < len(out[j].IfName) || out[i].IfName < out[j].IfName && len(out[i].IfName) == len(out[j].IfName)
	})
	return out
}

// NetworkEndpoints returns the endpoints on the network id.
func (m *Manager) NetworkEndpoints(id string) []Endpoint {
	out := m.endpointsWhere(func(e *Endpoint) bool { return e.NetworkID == id })
	sort.Slice(out, func(i, j int) bool { return out[i].ContainerName < out[j].ContainerName })
	return out
}

// Rename records the container's new name in its endpoints.
func (m *Manager) Rename(containerID, name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.eps {
		if e.ContainerID == containerID {
			m.view.Lock()
			e.ContainerName = name
			m.view.Unlock()
			if err := m.epdb.Put(bucketEndpoints, k, e); err != nil {
				m.log.Warn("rename endpoint", "key", k, "err", err)
			}
		}
	}
}
