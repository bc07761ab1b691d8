package netglue

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	networktypes "github.com/moby/moby/api/types/network"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/network"
)

// Normalize resolves the network mode at create: the default is
// the "bridge" network; a bridge or user network becomes an entry of the
// container's EndpointsConfig (the networks it joins at start), and one
// that does not exist fails the start, not the create (dockerd's order);
// container:NAME must name an existing container.
func (s *Service) Normalize(hc *containertypes.HostConfig, nc **networktypes.NetworkingConfig) error {
	if hc.NetworkMode == "" || hc.NetworkMode == "default" {
		hc.NetworkMode = network.DefaultName
	}
	mode := hc.NetworkMode
	switch {
	case mode.IsHost(), mode.IsNone():
		if len(hc.PortBindings) > 0 || hc.PublishAllPorts {
			if mode.IsNone() {
				hc.PortBindings, hc.PublishAllPorts = nil, false // Docker ignores them
			}
		}
		return nil
	case mode.IsContainer():
		ref := mode.ConnectedContainer()
		if ref == "" {
			return errdefs.InvalidParameter(errors.New("invalid network mode: container: needs a container name or ID"))
		}
		if _, err := s.containers.Get(ref); err != nil {
			return err
		}
		if len(hc.PortBindings) > 0 || hc.PublishAllPorts {
			return errdefs.InvalidParameter(errors.New("conflicting options: port publishing and the container type network mode"))
		}
		return nil
	}
	if s.net == nil {
		return errdefs.Unavailable(errors.New("networking is not available"))
	}
	primary, err := s.net.Get(string(mode))
	if err != nil && !errdefs.IsNotFound(err) {
		return err
	}
	if err == nil && (primary.Driver == "host" || primary.Driver == "null") {
		hc.NetworkMode = containertypes.NetworkMode(primary.Name)
		return nil
	}
	if *nc == nil {
		*nc = &networktypes.NetworkingConfig{}
	}
	if (*nc).EndpointsConfig == nil {
		(*nc).EndpointsConfig = map[string]*networktypes.EndpointSettings{}
	}
	eps := (*nc).EndpointsConfig
	if err != nil {
		// As dockerd: the create goes through and the start fails with
		// "network X not found" (the entry is joined at start). A 404
		// here would make the docker CLI take it for a missing image and
		// pull.
		if _, ok := eps[string(mode)]; !ok {
			eps[string(mode)] = &networktypes.EndpointSettings{}
		}
		return nil
	}
	if es, ok := eps["default"]; ok { // the docker CLI's name for the default network
		delete(eps, "default")
		if _, dup := eps[network.DefaultName]; !dup {
			eps[network.DefaultName] = es
		}
	}
	for name, es := range eps {
		r, err := s.net.Get(name)
		if errdefs.IsNotFound(err) {
			continue // the start reports it, as above
		}
		if err != nil {
			return err
		}
		if es != nil && es.IPAMConfig != nil && es.IPAMConfig.IPv4Address.IsValid() && !r.UserSubnet {
			return errdefs.InvalidParameter(errors.New("user specified IP address is supported only when connecting to networks with user configured subnets"))
		}
		if r.Default && es != nil && len(es.Aliases) > 0 {
			return errdefs.InvalidParameter(errors.New("network-scoped alias is supported only for containers in user defined networks"))
		}
	}
	if _, ok := eps[string(mode)]; !ok {
		// The NetworkMode network's entry is keyed by the NetworkMode
		// string, so that containerNetworks finds it first.
		es := &networktypes.EndpointSettings{}
		for name, other := range eps {
			if r, _ := s.net.Get(name); r.ID == primary.ID {
				delete(eps, name)
				if other != nil {
					es = other
				}
			}
		}
		eps[string(mode)] = es
	}
	return nil
}

// containerNetworks returns the names of the networks c joins at start:
// the entries of its EndpointsConfig, its NetworkMode network first. As
// with dockerd, disconnecting a stopped container from a network removes
// the entry and leaves NetworkMode as it was, so a container whose every
// network was disconnected joins none. Host, none and container:NAME modes
// return the mode alone.
func containerNetworks(c *container.Container) []string {
	mode := c.HostConfig.NetworkMode
	if mode.IsHost() || mode.IsNone() || mode.IsContainer() {
		return []string{string(mode)}
	}
	var first, rest []string
	if c.NetworkingConfig != nil {
		for name := range c.NetworkingConfig.EndpointsConfig {
			if name == string(mode) {
				first = []string{name}
			} else {
				rest = append(rest, name)
			}
		}
	}
	sort.Strings(rest)
	return append(first, rest...)
}

func endpointConfig(c *container.Container, name string) *networktypes.EndpointSettings {
	if c.NetworkingConfig == nil || c.NetworkingConfig.EndpointsConfig[name] == nil {
		return &networktypes.EndpointSettings{}
	}
	return c.NetworkingConfig.EndpointsConfig[name]
}

// portRequests turns PortBindings and -P into host port requests.
func portRequests(c *container.Container) ([]network.PortRequest, error) {
	var out []network.PortRequest
	add := func(p networktypes.Port, b networktypes.PortBinding) error {
		if b.HostIP.IsValid() && b.HostIP.Is6() {
			if b.HostIP.IsUnspecified() {
				return nil // IPv4 only: "::" adds nothing
			}
			return errdefs.InvalidParameter(fmt.Errorf("host IP %s: IPv6 port publishing is not supported", b.HostIP))
		}
		start, end, err := network.ParseHostPort(b.HostPort)
		if err != nil {
			return errdefs.InvalidParameter(err)
		}
		out = append(out, network.PortRequest{Proto: string(p.Proto()), HostIP: b.HostIP.Unmap(), HostPortStart: start, HostPortEnd: end, ContainerPort: p.Num()})
		return nil
	}
	keys := make([]networktypes.Port, 0, len(c.HostConfig.PortBindings))
	for p := range c.HostConfig.PortBindings {
		keys = append(keys, p)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, p := range keys {
		bs := c.HostConfig.PortBindings[p]
		if len(bs) == 0 {
			bs = []networktypes.PortBinding{{}}
		}
		for _, b := range bs {
			if err := add(p, b); err != nil {
				return nil, err
			}
		}
	}
	if c.HostConfig.PublishAllPorts {
		var exp []networktypes.Port
		for p := range c.Config.ExposedPorts {
			if _, bound := c.HostConfig.PortBindings[p]; !bound {
				exp = append(exp, p)
			}
		}
		sort.Slice(exp, func(i, j int) bool { return exp[i].String() < exp[j].String() })
		for _, p := range exp {
			if err := add(p, networktypes.PortBinding{}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Setup makes c's networking ready before its process starts: the
// network namespace with its endpoints, the name files, and on a user
// network the embedded DNS server. It returns the namespace's path for the
// OCI spec ("" = the host's for host mode; without networking, one the
// runtime makes). On error the caller releases what was made
// (Release). The caller holds c's lock.
func (s *Service) Setup(ctx context.Context, c *container.Container) (string, error) {
	netns, en, err := s.setupNetwork(ctx, c)
	if err != nil {
		return "", err
	}
	upstreams, err := s.writeEtcFiles(c, en)
	if err != nil {
		return "", err
	}
	if err := s.startDNS(c, netns, en, upstreams); err != nil {
		return "", err
	}
	return netns, nil
}

// setupNetwork makes c's network namespace ready before its process
// starts and returns its path for the OCI spec ("" = the host's for host
// mode; without networking, one the runtime makes) and what the name
// files need. On error nothing of it remains. The caller holds c's
// lock.
func (s *Service) setupNetwork(ctx context.Context, c *container.Container) (string, etcNetwork, error) {
	var en etcNetwork
	mode := c.HostConfig.NetworkMode
	switch {
	case mode.IsHost(), mode == "":
		return "", en, nil
	case mode.IsNone():
		// A namespace of its own with loopback up, as dockerd's: an OCI
		// runtime leaves the loopback of a namespace it makes down.
		if s.net == nil {
			return "", en, nil
		}
		path, err := s.net.CreateSandbox(c.ID)
		return path, en, err
	case mode.IsContainer():
		other, err := s.containers.Get(mode.ConnectedContainer())
		if err != nil {
			return "", en, err
		}
		if other.ID == c.ID {
			return "", en, errdefs.InvalidParameter(errors.New("cannot join own network namespace"))
		}
		other.Lock()
		running, pid := other.State.Running(), other.State.Pid
		other.Unlock()
		if !running {
			return "", en, errdefs.Conflict(fmt.Errorf("cannot join network namespace of a non running container: %s", other.ID))
		}
		for _, e := range s.endpoints(other.ID) {
			en.Addrs = append(en.Addrs, e.Addr)
		}
		if s.net != nil && s.net.HasSandbox(other.ID) {
			return s.net.NetNSPath(other.ID), en, nil
		}
		return fmt.Sprintf("/proc/%d/ns/net", pid), en, nil
	}
	if s.net == nil {
		return "", en, errdefs.Unavailable(errors.New("networking is not available"))
	}
	ports, err := portRequests(c)
	if err != nil {
		return "", en, err
	}
	t0 := time.Now()
	path, err := s.net.CreateSandbox(c.ID)
	if err != nil {
		return "", en, err
	}
	defer func() { s.log.Debug("network set up", "id", c.ID, "netns", path, "dur", time.Since(t0)) }()
	for i, name := range containerNetworks(c) {
		es := endpointConfig(c, name)
		o := network.ConnectOptions{ContainerName: strings.TrimPrefix(c.Name, "/"), Aliases: es.Aliases, DefaultRoute: i == 0, MAC: net.HardwareAddr(es.MacAddress)}
		if es.IPAMConfig != nil {
			o.IP = es.IPAMConfig.IPv4Address
		}
		if i == 0 {
			o.Ports, o.TakeOverFrom = ports, s.handoverSource(c)
		}
		ep, err := s.net.Connect(c.ID, name, o)
		if err != nil {
			s.Release(c)
			return "", en, err
		}
		s.registerDNS(c, ep)
		en.Addrs = append(en.Addrs, ep.Addr)
		en.Aliases = append(en.Aliases, es.Aliases...)
		// As dockerd: an endpoint on a user network, first or not, turns
		// on the embedded DNS (resolv.conf names 127.0.0.11).
		if r, err := s.net.Get(ep.NetworkID); err == nil && !r.Default {
			en.Embedded = true
		}
	}
	return path, en, nil
}

// endpoints returns the endpoints of a container (none without networking).
func (s *Service) endpoints(id string) []network.Endpoint {
	if s.net == nil {
		return nil
	}
	return s.net.Endpoints(id)
}

// handoverSource is the ID of the container c is to take its published
// ports over from (BerthPortHandover), "" if none or not found.
func (s *Service) handoverSource(c *container.Container) string {
	if c.PortHandover == "" {
		return ""
	}
	from, err := s.containers.Get(c.PortHandover)
	if err != nil {
		return ""
	}
	return from.ID
}

// TakeOverPorts completes c's handover (BerthPortHandover) once c is
// ready: the host ports it shares with the container it replaces become
// its own, and new connections to them reach c. The caller holds c's lock.
func (s *Service) TakeOverPorts(c *container.Container) {
	if s.net == nil || c.PortHandover == "" {
		return
	}
	if err := s.net.TakeOver(c.ID); err != nil {
		s.log.Warn("take over published ports", "id", c.ID, "from", c.PortHandover, "err", err)
	}
}

// ReleasePorts frees c's host ports at once (its process is gone).
func (s *Service) ReleasePorts(c *container.Container) {
	if s.net != nil {
		s.net.ReleasePorts(c.ID)
	}
}

// Release frees c's addresses, veths, ports, DNS and namespace.
func (s *Service) Release(c *container.Container) {
	t0 := time.Now()
	s.unregisterDNS(c.ID)
	if s.net != nil {
		s.net.Release(c.ID)
	}
	s.log.Debug("network released", "id", c.ID, "dur", time.Since(t0))
}

// Settings fills NetworkSettings of inspect. The caller holds the
// lock.
func (s *Service) Settings(c *container.Container, ns *containertypes.NetworkSettings) {
	mode := c.HostConfig.NetworkMode
	if s.net == nil || mode.IsContainer() {
		return
	}
	if c.State.Running() && !mode.IsHost() && s.net.HasSandbox(c.ID) {
		ns.SandboxKey = s.net.NetNSPath(c.ID)
		ns.SandboxID = c.ID
	}
	s.Networks(c, ns)
}

// Networks fills the ports and networks of ns for c: Settings without
// the sandbox, which ps does not show (and would cost a stat for each
// container). The caller holds the lock.
func (s *Service) Networks(c *container.Container, ns *containertypes.NetworkSettings) {
	mode := c.HostConfig.NetworkMode
	if s.net == nil || mode.IsContainer() {
		return
	}
	running := c.State.Running()
	ns.Ports = networktypes.PortMap{}
	eps := map[string]network.Endpoint{}
	if running {
		for _, e := range s.net.Endpoints(c.ID) {
			eps[e.NetworkID] = e
			for _, p := range e.Ports {
				port, ok := networktypes.PortFrom(p.ContainerPort, networktypes.IPProtocol(p.Proto))
				if !ok {
					continue
				}
				hip := p.HostIP
				if !hip.IsValid() {
					hip = netip.IPv4Unspecified()
				}
				ns.Ports[port] = append(ns.Ports[port], networktypes.PortBinding{HostIP: hip, HostPort: fmt.Sprint(p.HostPort)})
			}
		}
		for p := range c.Config.ExposedPorts {
			if _, ok := ns.Ports[p]; !ok {
				ns.Ports[p] = nil
			}
		}
	}
	names := containerNetworks(c)
	if mode.IsHost() || mode.IsNone() {
		names = []string{string(mode)}
	}
	for _, name := range names {
		r, err := s.net.Get(name)
		if err != nil {
			continue
		}
		es := endpointConfig(c, name).Copy()
		es.NetworkID = r.ID
		if e, ok := eps[r.ID]; ok {
			es.EndpointID = e.ID
			es.IPAddress = e.Addr
			es.IPPrefixLen = r.Subnet.Bits()
			if !r.Internal {
				es.Gateway = r.Gateway
			}
			if mac, err := net.ParseMAC(e.MAC); err == nil {
				es.MacAddress = networktypes.HardwareAddr(mac)
			}
			if !r.Default {
				es.DNSNames = append([]string{strings.TrimPrefix(c.Name, "/")}, es.Aliases...)
				es.DNSNames = append(es.DNSNames, container.ShortID(c.ID))
			}
		}
		ns.Networks[r.Name] = es
	}
}

// PortSummaries are the published ports of c for ps. The caller holds
// the lock.
func (s *Service) PortSummaries(c *container.Container) []containertypes.PortSummary {
	out := []containertypes.PortSummary{}
	if s.net == nil || !c.State.Running() {
		return out
	}
	seen := map[string]bool{}
	for _, e := range s.net.Endpoints(c.ID) {
		for _, p := range e.Ports {
			hip := p.HostIP
			if !hip.IsValid() {
				hip = netip.IPv4Unspecified()
			}
			out = append(out, containertypes.PortSummary{IP: hip, PrivatePort: p.ContainerPort, PublicPort: p.HostPort, Type: p.Proto})
			seen[fmt.Sprintf("%d/%s", p.ContainerPort, p.Proto)] = true
		}
	}
	for p := range c.Config.ExposedPorts {
		if !seen[p.String()] {
			out = append(out, containertypes.PortSummary{PrivatePort: p.Num(), Type: string(p.Proto())})
		}
	}
	return out
}

// SetNetNSPath makes the spec's network namespace the one at path (the
// runtime joins it instead of creating one).
func SetNetNSPath(spec *specs.Spec, path string) {
	if path == "" || spec.Linux == nil {
		return
	}
	for i := range spec.Linux.Namespaces {
		if spec.Linux.Namespaces[i].Type == specs.NetworkNamespace {
			spec.Linux.Namespaces[i].Path = path
		}
	}
}

// FilterMatch applies ps's network, publish and expose filters.
// The caller holds the lock.
func (s *Service) FilterMatch(c *container.Container, f filters.Args) bool {
	onNetwork := func(v string) bool {
		for _, name := range containerNetworks(c) {
			if name == v {
				return true
			}
			if s.net != nil {
				if r, err := s.net.Get(name); err == nil && (r.Name == v || strings.HasPrefix(r.ID, v)) {
					return true
				}
			}
		}
		return false
	}
	portIn := func(ports []string) func(string) bool {
		return func(v string) bool {
			if !strings.Contains(v, "/") {
				v += "/tcp"
			}
			return slices.Contains(ports, v)
		}
	}
	if !f.Has("publish") && !f.Has("expose") {
		return f.Any("network", onNetwork) // no ports to collect (ps asks for each container)
	}
	// Both match container ports, as dockerd's: publish those with a
	// binding, expose those exposed.
	var published, exposed []string
	for p := range c.HostConfig.PortBindings {
		published = append(published, p.String())
		exposed = append(exposed, p.String())
	}
	for _, p := range s.PortSummaries(c) {
		if p.PublicPort != 0 {
			published = append(published, fmt.Sprintf("%d/%s", p.PrivatePort, p.Type))
		}
	}
	for p := range c.Config.ExposedPorts {
		exposed = append(exposed, p.String())
	}
	return f.Any("network", onNetwork) && f.Any("publish", portIn(published)) && f.Any("expose", portIn(exposed))
}
