package netglue

import (
	"log/slog"
	"net/netip"
	"strings"

	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/network"
)

// Options are the daemon's networking settings (flags and daemon.json).
type Options struct {
	// Bridge is the default bridge device ("" = berth0); it also names
	// the daemon's nftables table. NoICC is icc=false.
	Bridge string
	NoICC  bool
	// AddressPools are dockerd's default-address-pools: where networks
	// without a --subnet get theirs (nil = Docker's defaults).
	AddressPools []network.AddressPool
	// DNS, DNSSearch and DNSOptions are the defaults of the containers'
	// --dns, --dns-search and --dns-option (dockerd's dns, dns-search,
	// dns-opts).
	DNS        []netip.Addr
	DNSSearch  []string
	DNSOptions []string
	// HostGatewayIP is what "host-gateway" in --add-host stands for
	// (dockerd's host-gateway-ip); default the default bridge's gateway.
	HostGatewayIP netip.Addr
	// DefaultAddressing is dockerd's bip and fixed-cidr.
	DefaultAddressing network.DefaultAddressing
}

// Containers is what the glue needs of the container records: find one
// by name, ID or ID prefix, store one, list them all.
type Containers interface {
	container.Records
	List() []*container.Container
}

// Config is what the daemon hands the glue.
type Config struct {
	Options
	Root, ExecRoot string // the daemon's data root and exec root
	Log            *slog.Logger
	Containers     Containers
	// ContainerDir is the directory of a container's name files
	// (hostname, hosts, resolv.conf).
	ContainerDir func(id string) string
	// Publish sends an event to the daemon's subscribers.
	Publish func(events.Message)
}

// Service is the networking glue of one daemon. Without a network manager
// (the host cannot do networking, or the zero Service) bridge modes and the
// network API fail with Unavailable and containers have no endpoints.
type Service struct {
	opts         Options
	log          *slog.Logger
	containers   Containers
	containerDir func(id string) string
	publish      func(events.Message)
	net          *network.Manager // nil when the host cannot do networking
	dns          netDNS
}

// New opens the network manager; without what the host needs for it the
// service runs without networking (bridge modes fail clearly).
func New(cfg Config) *Service {
	s := &Service{opts: cfg.Options, log: cfg.Log, containers: cfg.Containers, containerDir: cfg.ContainerDir, publish: cfg.Publish}
	m, err := network.New(network.Config{Root: cfg.Root, ExecRoot: cfg.ExecRoot, Bridge: cfg.Bridge, NoICC: cfg.NoICC,
		AddressPools: cfg.AddressPools, Default: cfg.DefaultAddressing, Log: cfg.Log})
	if err != nil {
		s.log.Error("networking is not available", "err", err)
		return s
	}
	s.net = m
	return s
}

// Reconcile rebuilds the kernel state of the networks for the containers
// that run, by ID (live restore).
func (s *Service) Reconcile(running map[string]bool) {
	if s.net == nil {
		return
	}
	if err := s.net.Reconcile(running); err != nil {
		s.log.Error("restore network rules", "err", err)
	}
	for id := range running {
		s.matchRecord(id)
	}
}

// matchRecord makes the endpoints of container id agree with its record,
// which a change the daemon died in wrote or not: an endpoint on a network
// the record does not name is disconnected (a connect), an endpoint under
// another name takes the container's (a rename).
func (s *Service) matchRecord(id string) {
	c, err := s.containers.Get(id)
	if err != nil {
		return
	}
	c.Lock()
	name := strings.TrimPrefix(c.Name, "/")
	want := map[string]bool{}
	for _, name := range containerNetworks(c) {
		if r, err := s.net.Get(name); err == nil {
			want[r.ID] = true
		}
	}
	c.Unlock()
	renamed := false
	for _, ep := range s.net.Endpoints(id) {
		renamed = renamed || ep.ContainerName != name
		if !want[ep.NetworkID] {
			s.log.Info("restore: dropping an endpoint the container's record lacks", "id", id, "network", ep.NetworkID)
			if err := s.net.Disconnect(id, ep.NetworkID); err != nil {
				s.log.Warn("restore: drop endpoint", "id", id, "err", err)
			}
		}
	}
	if renamed {
		s.net.Rename(id, name)
	}
}

// Close stops the embedded DNS servers and closes the network manager.
func (s *Service) Close() {
	_ = s.dns.servers.CloseAll()
	if s.net != nil {
		_ = s.net.Close()
	}
}
