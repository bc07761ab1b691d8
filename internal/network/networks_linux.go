package network

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/berth/berth/internal/crashpoint"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/network/bridge"
	"github.com/berth/berth/internal/network/ipam"
)

// List returns every network, sorted by name.
func (m *Manager) List() []Record {
	m.view.RLock()
	defer m.view.RUnlock()
	out := make([]Record, 0, len(m.nets))
	for _, r := range m.nets {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get finds a network by full ID, name, or unique ID prefix.
func (m *Manager) Get(ref string) (Record, error) {
	m.view.RLock()
	defer m.view.RUnlock()
	r, err := m.get(ref)
	if err != nil {
		return Record{}, err
	}
	return *r, nil
}

// get finds a network as Get does; the caller holds mu or view.
func (m *Manager) get(ref string) (*Record, error) {
	if r, ok := m.nets[ref]; ok {
		return r, nil
	}
	for _, r := range m.nets {
		if r.Name == ref {
			return r, nil
		}
	}
	var found *Record
	if ref != "" {
		for id, r := range m.nets {
			if strings.HasPrefix(id, ref) {
				if found != nil {
					return nil, errdefs.InvalidParameter(fmt.Errorf("network %s is ambiguous (%d matches found based on ID prefix)", ref, 2))
				}
				found = r
			}
		}
	}
	if found == nil {
		return nil, errdefs.NotFound(fmt.Errorf("network %s not found", ref))
	}
	return found, nil
}

// CreateOptions are the settings of `network create`.
type CreateOptions struct {
	Name       string
	Driver     string
	Subnet     netip.Prefix
	Gateway    netip.Addr
	IPRange    netip.Prefix
	Internal   bool
	Attachable bool
	Labels     map[string]string
	Options    map[string]string
}

// Create makes a user bridge network: record, bridge device, rules.
func (m *Manager) Create(o CreateOptions) (Record, error) {
	if o.Driver == "" {
		o.Driver = "bridge"
	}
	if o.Driver != "bridge" {
		return Record{}, errdefs.NotFound(fmt.Errorf("plugin %q not found", o.Driver))
	}
	if o.Name == "" {
		return Record{}, errdefs.InvalidParameter(errors.New("network name is required"))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.nets {
		if r.Name == o.Name {
			return Record{}, errdefs.Conflict(fmt.Errorf("network with name %s already exists", o.Name))
		}
	}
	unlock := hostLock()
	defer unlock()
	r := &Record{ID: newID(), Name: o.Name, Driver: "bridge", Created: time.Now().UTC(), Internal: o.Internal, Attachable: o.Attachable,
		Labels: o.Labels, Options: o.Options}
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	if r.Options == nil {
		r.Options = map[string]string{}
	}
	if o.Subnet.IsValid() {
		for _, other := range m.nets {
			if other.Subnet.IsValid() && other.Subnet.Overlaps(o.Subnet) {
				return Record{}, errdefs.Forbidden(fmt.Errorf("invalid pool request: Pool overlaps with other one on this address space"))
			}
		}
		r.UserSubnet = true
	} else {
		p, err := m.pickSubnet(nil)
		if err != nil {
			return Record{}, errdefs.Forbidden(err)
		}
		o.Subnet = p
	}
	pool, err := ipam.NewPool(o.Subnet, o.Gateway, o.IPRange)
	if err != nil {
		return Record{}, errdefs.InvalidParameter(err)
	}
	r.Subnet, r.Gateway, r.IPRange = pool.Subnet, pool.Gateway, pool.Range
	r.Bridge = o.Options["com.docker.network.bridge.name"]
	if r.Bridge == "" {
		// The name holds only a few hex digits of the ID when the daemon's
		// bridge prefix is long: draw another ID until the name is free.
		for i := 0; i < 100 && (i == 0 || m.bridgeTaken(r.Bridge)); i++ {
			r.ID = newID()
			r.Bridge = m.userBridgeName(r.ID)
		}
	} else if err := validDevice(r.Bridge); err != nil {
		return Record{}, errdefs.InvalidParameter(err)
	}
	for _, other := range m.nets {
		if other.Bridge == r.Bridge {
			return Record{}, errdefs.Conflict(fmt.Errorf("bridge name %s is used by network %s", r.Bridge, other.Name))
		}
	}
	if bridge.Exists(r.Bridge) {
		return Record{}, errdefs.Conflict(fmt.Errorf("device %s already exists on the host", r.Bridge))
	}
	if err := m.db.Put(bucketNetworks, r.ID, r); err != nil {
		return Record{}, err
	}
	crashpoint.At("network-create-after-record")
	if err := bridge.Ensure(r.Bridge, netip.PrefixFrom(r.Gateway, r.Subnet.Bits()), 0); err != nil {
		_ = bridge.Delete(r.Bridge)
		_ = m.db.Delete(bucketNetworks, r.ID)
		return Record{}, err
	}
	crashpoint.At("network-create-after-bridge")
	m.setNet(r)
	if err := m.applyLocked(); err != nil {
		m.dropNet(r.ID)
		_ = bridge.Delete(r.Bridge)
		_ = m.db.Delete(bucketNetworks, r.ID)
		return Record{}, err
	}
	return *r, nil
}

// bridgeTaken reports whether a network of this daemon or a device of the
// host already has the name.
func (m *Manager) bridgeTaken(name string) bool {
	for _, other := range m.nets {
		if other.Bridge == name {
			return true
		}
	}
	return bridge.Exists(name)
}

// userBridgeName is br-<12 hex> for the default daemon, and the default
// bridge's name, "-" and hex digits of the ID otherwise (15 characters).
func (m *Manager) userBridgeName(id string) string {
	if m.cfg.Bridge == DefaultBridge {
		return "br-" + id[:12]
	}
	p := m.cfg.Bridge
	if len(p) > 10 {
		p = p[:10]
	}
	return p + "-" + id[:14-len(p)]
}

// Remove deletes a user network without endpoints.
func (m *Manager) Remove(ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get(ref)
	if err != nil {
		return err
	}
	if r.Default || r.Driver == "host" || r.Driver == "null" {
		return errdefs.Forbidden(fmt.Errorf("%s is a pre-defined network and cannot be removed", r.Name))
	}
	for _, e := range m.eps {
		if e.NetworkID == r.ID {
			return errdefs.Forbidden(fmt.Errorf("error while removing network: network %s has active endpoints (name:%q id:%q)", r.Name, e.ContainerName, e.ContainerID[:12]))
		}
	}
	// The bridge goes first: a crash before the record is deleted leaves
	// a network whose bridge the next start makes again (ensurePredefined),
	// not a bridge of no network.
	if err := bridge.Delete(r.Bridge); err != nil {
		m.log.Warn("remove network bridge", "bridge", r.Bridge, "err", err)
	}
	crashpoint.At("network-remove-after-bridge")
	if err := m.db.Delete(bucketNetworks, r.ID); err != nil {
		return err
	}
	m.dropNet(r.ID)
	return m.applyLocked()
}

// InUse reports whether the network has endpoints.
func (m *Manager) InUse(id string) bool {
	m.view.RLock()
	defer m.view.RUnlock()
	for _, e := range m.eps {
		if e.NetworkID == id {
			return true
		}
	}
	return false
}

// setNet records the network r. The caller holds mu (or is New).
func (m *Manager) setNet(r *Record) {
	m.view.Lock()
	m.nets[r.ID] = r
	m.view.Unlock()
}

// dropNet forgets the network id. The caller holds mu.
func (m *Manager) dropNet(id string) {
	m.view.Lock()
	delete(m.nets, id)
	m.view.Unlock()
}
