package network

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/network/bridge"
	"github.com/berth/berth/internal/network/firewall"
	"github.com/berth/berth/internal/network/ipam"
	"github.com/berth/berth/internal/store"
)

// DefaultBridge is the default bridge device of a daemon.
const DefaultBridge = "berth0"

const (
	bucketNetworks  = "networks"
	bucketEndpoints = "endpoints"
)

// Config configures a Manager.
type Config struct {
	Root     string // data root: network.db
	ExecRoot string // exec root: netns/
	// Bridge is the default network's device; "" = berth0. It also names
	// the nftables table ("berth" for berth0) and prefixes the user
	// networks' bridges and the veths when it is not berth0, so daemons
	// side by side never share a kernel object.
	Bridge string
	// NoICC blocks traffic between containers of the default bridge
	// (daemon option icc=false).
	NoICC bool
	Log   *slog.Logger
}

// Manager owns networks and endpoints. Its methods are safe for
// concurrent use.
type Manager struct {
	cfg   Config
	log   *slog.Logger
	db    *store.DB // networks (data root, durable)
	epdb  *store.DB // endpoints (exec root, volatile: they die with the host)
	table string
	nsDir string

	mu    sync.Mutex
	nets  map[string]*Record   // id → network
	eps   map[string]*Endpoint // container id + "/" + network id → endpoint
	ports map[string]int       // reserved host port → socket fd
	owner map[string]string    // reserved host port → endpoint ID
	dirty bool                 // rules need rewriting
}

// New opens the network state and makes sure the predefined networks
// exist, with the default bridge up. Call Reconcile once the running
// containers are known.
func New(cfg Config) (*Manager, error) {
	if cfg.Bridge == "" {
		cfg.Bridge = DefaultBridge
	}
	if len(cfg.Bridge) > 15 {
		return nil, fmt.Errorf("bridge name %q is longer than 15 characters", cfg.Bridge)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	db, err := store.Open(filepath.Join(cfg.Root, "network.db"), bucketNetworks)
	if err != nil {
		return nil, err
	}
	epdb, err := store.OpenVolatile(filepath.Join(cfg.ExecRoot, "endpoints.db"), bucketEndpoints)
	if err != nil {
		db.Close()
		return nil, err
	}
	closeAll := func() { epdb.Close(); db.Close() }
	m := &Manager{
		cfg: cfg, log: cfg.Log, db: db, epdb: epdb, table: TableName(cfg.Bridge), nsDir: filepath.Join(cfg.ExecRoot, "netns"),
		nets: map[string]*Record{}, eps: map[string]*Endpoint{}, ports: map[string]int{}, owner: map[string]string{},
	}
	if err := m.load(); err != nil {
		closeAll()
		return nil, err
	}
	if err := bridge.PrivateDir(m.nsDir); err != nil {
		closeAll()
		return nil, err
	}
	if err := firewall.EnableForwarding(); err != nil {
		m.log.Warn("networking", "err", err)
	}
	if err := m.ensurePredefined(); err != nil {
		closeAll()
		return nil, err
	}
	return m, nil
}

// TableName is the nftables table of a daemon whose default bridge is br.
func TableName(br string) string {
	if br == "" || br == DefaultBridge {
		return "berth"
	}
	return br
}

// Table returns the name of this daemon's nftables table(s).
func (m *Manager) Table() string { return m.table }

func (m *Manager) load() error {
	err := m.db.ForEach(bucketNetworks, func(k string, v []byte) error {
		var r Record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode network %s: %w", k, err)
		}
		m.nets[r.ID] = &r
		return nil
	})
	if err != nil {
		return err
	}
	return m.epdb.ForEach(bucketEndpoints, func(k string, v []byte) error {
		var e Endpoint
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode endpoint %s: %w", k, err)
		}
		m.eps[k] = &e
		return nil
	})
}

func newID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// hostLock serialises subnet choice and bridge creation between the
// daemons of this host, so that two starting at once do not pick the
// same free subnet.
func hostLock() func() {
	f, err := os.OpenFile("/run/berth-network.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return func() {}
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_EX)
	return func() { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }
}

func (m *Manager) ensurePredefined() error {
	have := map[string]bool{}
	for _, r := range m.nets {
		have[r.Name] = true
	}
	for _, p := range []struct{ name, driver string }{{HostName, "host"}, {NoneName, "null"}} {
		if !have[p.name] {
			r := &Record{ID: newID(), Name: p.name, Driver: p.driver, Created: time.Now().UTC()}
			if err := m.db.Put(bucketNetworks, r.ID, r); err != nil {
				return err
			}
			m.nets[r.ID] = r
		}
	}
	unlock := hostLock()
	defer unlock()
	var def *Record
	for _, r := range m.nets {
		if r.Default {
			def = r
		}
	}
	if def == nil || def.Bridge != m.cfg.Bridge {
		subnet, err := m.pickSubnet(def)
		if err != nil {
			return err
		}
		if def == nil {
			def = &Record{ID: newID(), Name: DefaultName, Driver: "bridge", Default: true, Created: time.Now().UTC(),
				Labels: map[string]string{}, Options: map[string]string{}}
		}
		def.Bridge, def.Subnet, def.Gateway = m.cfg.Bridge, subnet, subnet.Addr().Next()
		def.Options = map[string]string{"com.docker.network.bridge.name": m.cfg.Bridge, "com.docker.network.bridge.default_bridge": "true",
			"com.docker.network.bridge.enable_icc": fmt.Sprint(!m.cfg.NoICC), "com.docker.network.bridge.enable_ip_masquerade": "true"}
		if err := m.db.Put(bucketNetworks, def.ID, def); err != nil {
			return err
		}
		m.nets[def.ID] = def
	}
	for _, r := range m.nets {
		if r.Driver == "bridge" {
			if err := bridge.Ensure(r.Bridge, netip.PrefixFrom(r.Gateway, r.Subnet.Bits()), 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// pickSubnet returns the first default pool overlapping nothing on the
// host nor any berth network (except skip, whose bridge is being renamed).
// The caller holds the host lock.
func (m *Manager) pickSubnet(skip *Record) (netip.Prefix, error) {
	inUse, err := bridge.HostPrefixes()
	if err != nil {
		return netip.Prefix{}, err
	}
	for _, r := range m.nets {
		if r != skip && r.Subnet.IsValid() {
			inUse = append(inUse, r.Subnet)
		}
	}
	return ipam.PickSubnet(ipam.DefaultCandidates(), inUse)
}

// Close closes the store and the port reservations; the kernel state
// stays for the running containers (live restore).
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, fd := range m.ports {
		unix.Close(fd)
		delete(m.ports, k)
		delete(m.owner, k)
	}
	_ = m.epdb.Close()
	return m.db.Close()
}

// List returns every network, sorted by name.
func (m *Manager) List() []Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Record, 0, len(m.nets))
	for _, r := range m.nets {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get finds a network by full ID, name, or unique ID prefix.
func (m *Manager) Get(ref string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, err := m.get(ref)
	if err != nil {
		return Record{}, err
	}
	return *r, nil
}

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
		r.Bridge = m.userBridgeName(r.ID)
	} else if len(r.Bridge) > 15 {
		return Record{}, errdefs.InvalidParameter(fmt.Errorf("bridge name %q is longer than 15 characters", r.Bridge))
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
	if err := bridge.Ensure(r.Bridge, netip.PrefixFrom(r.Gateway, r.Subnet.Bits()), 0); err != nil {
		_ = bridge.Delete(r.Bridge)
		_ = m.db.Delete(bucketNetworks, r.ID)
		return Record{}, err
	}
	m.nets[r.ID] = r
	if err := m.applyLocked(); err != nil {
		delete(m.nets, r.ID)
		_ = bridge.Delete(r.Bridge)
		_ = m.db.Delete(bucketNetworks, r.ID)
		return Record{}, err
	}
	return *r, nil
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
	if err := m.db.Delete(bucketNetworks, r.ID); err != nil {
		return err
	}
	delete(m.nets, r.ID)
	if err := bridge.Delete(r.Bridge); err != nil {
		m.log.Warn("remove network bridge", "bridge", r.Bridge, "err", err)
	}
	return m.applyLocked()
}

// InUse reports whether the network has endpoints.
func (m *Manager) InUse(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.eps {
		if e.NetworkID == id {
			return true
		}
	}
	return false
}

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
	ifName := "eth0"
	for i := 1; ifUsed[ifName]; i++ {
		ifName = fmt.Sprintf("eth%d", i)
	}
	ep = Endpoint{
		ID: newID(), ContainerID: containerID, ContainerName: o.ContainerName, NetworkID: r.ID, IfName: ifName,
		HostVeth: m.vethName(), Addr: addr, MAC: bridge.MACFor(addr).String(), Aliases: o.Aliases,
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
		Gateway: gw, MAC: bridge.MACFor(addr), Isolated: r.Default && m.cfg.NoICC,
	}); err != nil {
		return ep, err
	}
	m.eps[key] = &ep
	if len(ep.Ports) > 0 || m.dirty {
		if err := m.applyLocked(); err != nil {
			delete(m.eps, key)
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

func portKey(proto string, ip netip.Addr, port uint16) string {
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	return fmt.Sprintf("%s/%s/%d", proto, ip, port)
}

// reservePort binds (without listening) a socket on the host port so that
// nothing else takes it while the container publishes it; the packets
// themselves never reach the socket (DNAT sends them to the container).
func (m *Manager) reservePort(pr PortRequest, owner string) (uint16, string, error) {
	ip := pr.HostIP
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	if !ip.Is4() {
		return 0, "", fmt.Errorf("host IP %s: only IPv4 host addresses are supported", ip)
	}
	try := func(port uint16) (uint16, string, error) {
		typ := unix.SOCK_STREAM
		if pr.Proto == "udp" {
			typ = unix.SOCK_DGRAM
		}
		fd, err := unix.Socket(unix.AF_INET, typ|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return 0, "", err
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Port: int(port), Addr: ip.As4()}); err != nil {
			unix.Close(fd)
			if errors.Is(err, unix.EADDRINUSE) {
				if _, ours := m.ports[portKey(pr.Proto, ip, port)]; ours || port != 0 {
					return 0, "", errdefs.Conflict(fmt.Errorf("Bind for %s:%d failed: port is already allocated", ip, port))
				}
			}
			return 0, "", fmt.Errorf("Bind for %s:%d failed: %w", ip, port, err)
		}
		sa, err := unix.Getsockname(fd)
		if err != nil {
			unix.Close(fd)
			return 0, "", err
		}
		got := uint16(sa.(*unix.SockaddrInet4).Port)
		k := portKey(pr.Proto, ip, got)
		m.ports[k] = fd
		m.owner[k] = owner
		return got, k, nil
	}
	if pr.HostPortStart == 0 || pr.HostPortStart == pr.HostPortEnd {
		return try(pr.HostPortStart)
	}
	var last error
	for p := int(pr.HostPortStart); p <= int(pr.HostPortEnd); p++ {
		hp, k, err := try(uint16(p))
		if err == nil {
			return hp, k, nil
		}
		last = err
	}
	return 0, "", last
}

// freePort closes the reservation k if the endpoint owner holds it (a
// port freed early by ReleasePorts may be held by another one since).
func (m *Manager) freePort(k, owner string) {
	if fd, ok := m.ports[k]; ok && m.owner[k] == owner {
		unix.Close(fd)
		delete(m.ports, k)
		delete(m.owner, k)
	}
}

// ReleasePorts frees the host ports of the container at once (its process
// is gone), so that they are free when stop returns; Release, later,
// removes the rest, rules included.
func (m *Manager) ReleasePorts(containerID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, ep := range m.eps {
		if ep.ContainerID == containerID {
			for _, p := range ep.Ports {
				m.freePort(portKey(p.Proto, p.HostIP, p.HostPort), ep.ID)
			}
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

// releaseLocked forgets an endpoint and frees its host ports; with
// deleteVeth its veth pair is deleted at once (disconnect), otherwise it
// goes with the namespace, which the kernel tears down in the background
// (deleting a veth synchronously costs tens of milliseconds on the exit
// path of every container).
func (m *Manager) releaseLocked(key string, ep *Endpoint, deleteVeth bool) {
	for _, p := range ep.Ports {
		m.freePort(portKey(p.Proto, p.HostIP, p.HostPort), ep.ID)
	}
	if deleteVeth {
		if err := bridge.Detach(ep.HostVeth); err != nil {
			m.log.Warn("delete veth", "veth", ep.HostVeth, "err", err)
		}
	}
	if err := m.epdb.Delete(bucketEndpoints, key); err != nil {
		m.log.Warn("delete endpoint record", "key", key, "err", err)
	}
	delete(m.eps, key)
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

// Endpoints returns the container's endpoints, eth0 first.
func (m *Manager) Endpoints(containerID string) []Endpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Endpoint
	for _, e := range m.eps {
		if e.ContainerID == containerID {
			out = append(out, *e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return len(out[i].IfName) < len(out[j].IfName) || out[i].IfName < out[j].IfName && len(out[i].IfName) == len(out[j].IfName)
	})
	return out
}

// NetworkEndpoints returns the endpoints on the network id.
func (m *Manager) NetworkEndpoints(id string) []Endpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Endpoint
	for _, e := range m.eps {
		if e.NetworkID == id {
			out = append(out, *e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ContainerName < out[j].ContainerName })
	return out
}

// Reconcile rebuilds the kernel state after a daemon start: endpoints and
// namespaces of containers not in running are released, host ports of the
// running ones reserved again, bridges ensured and the rules rewritten.
func (m *Manager) Reconcile(running map[string]bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	keep := map[string]bool{}
	for k, ep := range m.eps {
		if !running[ep.ContainerID] {
			m.releaseLocked(k, ep, !m.HasSandbox(ep.ContainerID))
			continue
		}
		keep[ep.ContainerID] = true
		for _, p := range ep.Ports {
			if _, ok := m.ports[portKey(p.Proto, p.HostIP, p.HostPort)]; ok {
				continue
			}
			if _, _, err := m.reservePort(PortRequest{Proto: p.Proto, HostIP: p.HostIP, HostPortStart: p.HostPort, HostPortEnd: p.HostPort}, ep.ID); err != nil {
				m.log.Warn("restore: reserve published port", "container", ep.ContainerID, "port", p.HostPort, "err", err)
			}
		}
	}
	for id := range running {
		keep[id] = true // container: and none modes keep nothing here, but are harmless
	}
	bridge.CleanNetNSDir(m.nsDir, keep)
	return m.applyLocked()
}

// Apply rewrites the rules from the current state.
func (m *Manager) Apply() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.applyLocked()
}

func (m *Manager) applyLocked() error {
	rs := firewall.Ruleset{Table: m.table}
	for _, r := range m.nets {
		if r.Driver != "bridge" {
			continue
		}
		rs.Networks = append(rs.Networks, firewall.Network{Bridge: r.Bridge, Subnet: r.Subnet, Internal: r.Internal})
	}
	for _, k := range slices.Sorted(maps.Keys(m.eps)) {
		rs.Ports = append(rs.Ports, m.eps[k].Ports...)
	}
	if err := firewall.Apply(rs); err != nil {
		m.dirty = true
		return err
	}
	m.dirty = false
	return nil
}

// RemoveAll deletes every kernel object of this daemon's networks: the
// user bridges, the default bridge, the rules, and the namespaces. For
// tests and uninstall; the records stay.
func (m *Manager) RemoveAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.nets {
		if r.Driver == "bridge" {
			_ = bridge.Delete(r.Bridge)
		}
	}
	_ = firewall.Remove(m.table)
	bridge.CleanNetNSDir(m.nsDir, nil)
}
