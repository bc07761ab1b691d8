package netglue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	networktypes "github.com/moby/moby/api/types/network"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/network"
)

// netManager returns the manager, or Unavailable without networking.
func (s *Service) netManager() (*network.Manager, error) {
	if s.net == nil {
		return nil, errdefs.Unavailable(errors.New("networking is not available"))
	}
	return s.net, nil
}

// network returns the manager and the network named (or ID'd) by ref.
func (s *Service) network(ref string) (*network.Manager, network.Record, error) {
	m, err := s.netManager()
	if err != nil {
		return nil, network.Record{}, err
	}
	r, err := m.Get(ref)
	return m, r, err
}

// networkAndContainer adds to network the container named by ctr.
func (s *Service) networkAndContainer(ref, ctr string) (*network.Manager, network.Record, *container.Container, error) {
	m, r, err := s.network(ref)
	if err != nil {
		return nil, r, nil, err
	}
	c, err := s.containers.Get(ctr)
	return m, r, c, err
}

// networkInfo is the API view of a network record.
func (s *Service) networkInfo(r network.Record) networktypes.Network {
	n := networktypes.Network{
		Name: r.Name, ID: r.ID, Created: r.Created, Scope: "local", Driver: r.Driver, EnableIPv4: true,
		Internal: r.Internal, Attachable: r.Attachable, Options: r.Options, Labels: r.Labels,
		IPAM: networktypes.IPAM{Driver: "default", Options: map[string]string{}, Config: []networktypes.IPAMConfig{}},
	}
	if n.Options == nil {
		n.Options = map[string]string{}
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	if r.Subnet.IsValid() {
		n.IPAM.Config = append(n.IPAM.Config, networktypes.IPAMConfig{Subnet: r.Subnet, Gateway: r.Gateway, IPRange: r.IPRange})
	}
	return n
}

// NetworkList is GET /networks.
func (s *Service) NetworkList(ctx context.Context, f filters.Args) ([]networktypes.Summary, error) {
	m, err := s.netManager()
	if err != nil {
		return nil, err
	}
	out := []networktypes.Summary{}
	for _, r := range m.List() {
		if !networkMatches(r, f, m.InUse(r.ID)) {
			continue
		}
		out = append(out, networktypes.Summary{Network: s.networkInfo(r)})
	}
	return out, nil
}

func builtin(r network.Record) bool {
	return r.Default || r.Driver == "host" || r.Driver == "null"
}

func networkMatches(r network.Record, f filters.Args, inUse bool) bool {
	return f.Any("name", func(v string) bool { return strings.Contains(r.Name, v) }) &&
		f.Any("id", func(v string) bool { return strings.HasPrefix(r.ID, v) }) &&
		f.Any("driver", func(v string) bool { return r.Driver == v }) &&
		f.Any("scope", func(v string) bool { return v == "local" }) &&
		f.Any("type", func(v string) bool { return (v == "builtin") == builtin(r) }) &&
		f.Any("dangling", func(v string) bool { return (v == "true" || v == "1") == (!inUse && !builtin(r)) }) &&
		f.MatchLabels(r.Labels)
}

// NetworkInspect is GET /networks/{id}.
func (s *Service) NetworkInspect(ctx context.Context, ref string) (*networktypes.Inspect, error) {
	m, r, err := s.network(ref)
	if err != nil {
		return nil, err
	}
	out := &networktypes.Inspect{Network: s.networkInfo(r), Containers: map[string]networktypes.EndpointResource{}}
	for _, e := range m.NetworkEndpoints(r.ID) {
		res := networktypes.EndpointResource{Name: e.ContainerName, EndpointID: e.ID, IPv4Address: netip.PrefixFrom(e.Addr, r.Subnet.Bits())}
		if mac, err := parseMAC(e.MAC); err == nil {
			res.MacAddress = mac
		}
		out.Containers[e.ContainerID] = res
	}
	return out, nil
}

// NetworkCreate is POST /networks/create.
func (s *Service) NetworkCreate(ctx context.Context, req networktypes.CreateRequest) (networktypes.CreateResponse, error) {
	m, err := s.netManager()
	if err != nil {
		return networktypes.CreateResponse{}, err
	}
	switch req.Name {
	case network.DefaultName, network.HostName, network.NoneName:
		return networktypes.CreateResponse{}, errdefs.Forbidden(fmt.Errorf("%s is a pre-defined network and cannot be created", req.Name))
	}
	if req.Name != "" && !container.ValidName(req.Name) {
		return networktypes.CreateResponse{}, errdefs.InvalidParameter(fmt.Errorf("invalid network name %q: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", req.Name))
	}
	if req.EnableIPv6 != nil && *req.EnableIPv6 {
		return networktypes.CreateResponse{}, errdefs.InvalidParameter(errors.New("IPv6 networks are not supported"))
	}
	o := network.CreateOptions{Name: req.Name, Driver: req.Driver, Internal: req.Internal, Attachable: req.Attachable, Labels: req.Labels, Options: req.Options}
	if req.IPAM != nil {
		if req.IPAM.Driver != "" && req.IPAM.Driver != "default" {
			return networktypes.CreateResponse{}, errdefs.NotFound(fmt.Errorf("IPAM driver %q not found", req.IPAM.Driver))
		}
		if len(req.IPAM.Config) > 1 {
			return networktypes.CreateResponse{}, errdefs.InvalidParameter(errors.New("only one IPv4 subnet per network is supported"))
		}
		if len(req.IPAM.Config) == 1 {
			cfg := req.IPAM.Config[0]
			if !cfg.Subnet.IsValid() && (cfg.Gateway.IsValid() || cfg.IPRange.IsValid()) {
				return networktypes.CreateResponse{}, errdefs.InvalidParameter(errors.New("a gateway or ip-range needs a subnet"))
			}
			o.Subnet, o.Gateway, o.IPRange = cfg.Subnet, cfg.Gateway, cfg.IPRange
		}
	}
	r, err := m.Create(o)
	if err != nil {
		return networktypes.CreateResponse{}, err
	}
	s.emitNetwork("create", r, nil)
	return networktypes.CreateResponse{ID: r.ID}, nil
}

// NetworkRemove is DELETE /networks/{id}.
func (s *Service) NetworkRemove(ctx context.Context, ref string) error {
	m, r, err := s.network(ref)
	if err != nil {
		return err
	}
	if err := m.Remove(r.ID); err != nil {
		return err
	}
	s.emitNetwork("destroy", r, nil)
	return nil
}

// NetworksPrune is POST /networks/prune: user networks without endpoints.
func (s *Service) NetworksPrune(ctx context.Context, f filters.Args) (*networktypes.PruneReport, error) {
	m, err := s.netManager()
	if err != nil {
		return nil, err
	}
	rep := &networktypes.PruneReport{NetworksDeleted: []string{}}
	for _, r := range m.List() {
		if builtin(r) || m.InUse(r.ID) || !f.MatchLabels(r.Labels) {
			continue
		}
		if err := m.Remove(r.ID); err != nil {
			continue
		}
		s.emitNetwork("destroy", r, nil)
		rep.NetworksDeleted = append(rep.NetworksDeleted, r.Name)
	}
	// dockerd's: a network holds no space.
	s.publish(events.Message{Type: events.NetworkEventType, Action: events.ActionPrune, Actor: events.Actor{Attributes: map[string]string{"reclaimed": "0"}}})
	return rep, nil
}

// NetworkConnect is POST /networks/{id}/connect: a running container is
// plugged in at once; a stopped one joins at its next start.
func (s *Service) NetworkConnect(ctx context.Context, ref string, req networktypes.ConnectRequest) error {
	m, r, c, err := s.networkAndContainer(ref, req.Container)
	if err != nil {
		return err
	}
	if r.Driver != "bridge" {
		return errdefs.Forbidden(fmt.Errorf("container cannot be disconnected from host network or connected to host network"))
	}
	es := req.EndpointConfig
	if es == nil {
		es = &networktypes.EndpointSettings{}
	}
	c.Lock()
	defer c.Unlock()
	mode := c.HostConfig.NetworkMode
	if mode.IsHost() || mode.IsContainer() {
		return errdefs.InvalidParameter(fmt.Errorf("container sharing network namespace with another container or host cannot be connected to any other network"))
	}
	if mode.IsNone() {
		return errdefs.InvalidParameter(fmt.Errorf("container cannot be connected to multiple networks with one of the networks in private (none) mode"))
	}
	if c.NetworkingConfig == nil {
		c.NetworkingConfig = &networktypes.NetworkingConfig{}
	}
	if c.NetworkingConfig.EndpointsConfig == nil {
		c.NetworkingConfig.EndpointsConfig = map[string]*networktypes.EndpointSettings{}
	}
	for name := range c.NetworkingConfig.EndpointsConfig {
		if o, err := m.Get(name); err == nil && o.ID == r.ID {
			if !c.State.Running() {
				return nil // dockerd keeps the config it has: a no-op
			}
			return errdefs.Forbidden(fmt.Errorf("endpoint with name %s already exists in network %s", strings.TrimPrefix(c.Name, "/"), r.Name))
		}
	}
	if es.IPAMConfig != nil && es.IPAMConfig.IPv4Address.IsValid() && !r.UserSubnet {
		return errdefs.InvalidParameter(errors.New("user specified IP address is supported only when connecting to networks with user configured subnets"))
	}
	if c.State.Running() {
		o := network.ConnectOptions{ContainerName: strings.TrimPrefix(c.Name, "/"), Aliases: es.Aliases, MAC: net.HardwareAddr(es.MacAddress)}
		if es.IPAMConfig != nil {
			o.IP = es.IPAMConfig.IPv4Address
		}
		if !m.HasSandbox(c.ID) {
			return errdefs.Conflict(fmt.Errorf("container %s has no network namespace of berth's", c.ID))
		}
		ep, err := m.Connect(c.ID, r.ID, o)
		if err != nil {
			return err
		}
		s.registerDNS(c, ep)
	}
	c.NetworkingConfig.EndpointsConfig[r.Name] = &networktypes.EndpointSettings{IPAMConfig: es.IPAMConfig, Aliases: es.Aliases, Links: es.Links, DriverOpts: es.DriverOpts, MacAddress: es.MacAddress}
	if err := s.containers.Save(c); err != nil {
		return err
	}
	s.emitNetwork("connect", r, map[string]string{"container": c.ID})
	return nil
}

// NetworkDisconnect is POST /networks/{id}/disconnect.
func (s *Service) NetworkDisconnect(ctx context.Context, ref string, req networktypes.DisconnectRequest) error {
	m, r, c, err := s.networkAndContainer(ref, req.Container)
	if err != nil {
		return err
	}
	s.drain(m, r, c)
	c.Lock()
	defer c.Unlock()
	key := ""
	if c.NetworkingConfig != nil {
		for name := range c.NetworkingConfig.EndpointsConfig {
			if o, err := m.Get(name); err == nil && o.ID == r.ID {
				key = name
			}
		}
	}
	if key == "" {
		return errdefs.Forbidden(fmt.Errorf("container %s is not connected to network %s", c.ID, r.Name))
	}
	if c.State.Running() {
		if err := m.Disconnect(c.ID, r.ID); err != nil && !req.Force {
			return err
		}
		s.unregisterDNSOn(c.ID, r)
	}
	// NetworkMode stays as it is (dockerd's inspect shows it unchanged):
	// the next start joins the networks left, or none.
	delete(c.NetworkingConfig.EndpointsConfig, key)
	if err := s.containers.Save(c); err != nil {
		return err
	}
	s.emitNetwork("disconnect", r, map[string]string{"container": c.ID})
	return nil
}

func (s *Service) emitNetwork(action string, r network.Record, attrs map[string]string) {
	now := time.Now()
	a := map[string]string{"name": r.Name, "type": r.Driver}
	for k, v := range attrs {
		a[k] = v
	}
	s.publish(events.Message{
		Type: events.NetworkEventType, Action: events.Action(action), Actor: events.Actor{ID: r.ID, Attributes: a},
		Scope: "local", Time: now.Unix(), TimeNano: now.UnixNano(),
	})
}

func parseMAC(s string) (networktypes.HardwareAddr, error) {
	m, err := net.ParseMAC(s)
	return networktypes.HardwareAddr(m), err
}
