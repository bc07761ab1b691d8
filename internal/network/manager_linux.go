package network

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

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
	// AddressPools are where networks without a --subnet (the default
	// bridge too) get theirs; nil = Docker's defaults.
	AddressPools []AddressPool
	// Default, when set, addresses the default bridge instead of a pool.
	Default DefaultAddressing
	Log     *slog.Logger
}

// AddressPool is a range that networks get their subnets from
// (dockerd's default-address-pools).
type AddressPool = ipam.AddressPool

// Manager owns networks and endpoints. Its methods are safe for
// concurrent use.
type Manager struct {
	cfg   Config
	log   *slog.Logger
	db    *store.DB // networks (data root, durable)
	epdb  *store.DB // endpoints (exec root, volatile: they die with the host)
	table string
	fw    *firewall.Table // guarded by mu
	nsDir string
	stop  chan struct{} // closed by Close: ends the firewall watch

	// mu serialises the changes, kernel work included (a connect's veth,
	// a rules rewrite: tens of milliseconds, more on a busy host). view
	// guards nets, eps and byCtr, and the records they point to: whoever
	// changes them holds mu and takes view only for the change itself, so
	// readers (ps and inspect ask for every container's endpoints) take
	// view alone and never wait for the kernel work of a change.
	mu    sync.Mutex
	view  sync.RWMutex
	nets  map[string]*Record              // id → network
	eps   map[string]*Endpoint            // container id + "/" + network id → endpoint
	byCtr map[string]map[string]*Endpoint // container id → its entries of eps (setEp, dropEp)
	ports map[string]int                  // reserved host port → socket fd
	owner map[string]string               // reserved host port → endpoint ID
	dirty bool                            // rules need rewriting
}

// New opens the network state and makes sure the predefined networks
// exist, with the default bridge up. Call Reconcile once the running
// containers are known.
func New(cfg Config) (*Manager, error) {
	if cfg.Bridge == "" {
		cfg.Bridge = DefaultBridge
	}
	if err := validDevice(cfg.Bridge); err != nil {
		return nil, err
	}
	for _, p := range cfg.AddressPools {
		if err := p.Check(); err != nil {
			return nil, err
		}
	}
	if err := cfg.Default.Check(); err != nil {
		return nil, err
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
		cfg: cfg, log: cfg.Log, db: db, epdb: epdb, table: TableName(cfg.Bridge), fw: firewall.NewTable(TableName(cfg.Bridge)),
		nsDir: filepath.Join(cfg.ExecRoot, "netns"), stop: make(chan struct{}),
		nets: map[string]*Record{}, eps: map[string]*Endpoint{}, byCtr: map[string]map[string]*Endpoint{}, ports: map[string]int{}, owner: map[string]string{},
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

// validDevice checks a bridge name given by the user: a Linux interface
// name (1 to 15 of [A-Za-z0-9_.-], not "." or ".."), since it also becomes
// a path under /proc/sys.
func validDevice(name string) error {
	ok := name != "" && len(name) <= 15 && name != "." && name != ".."
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("invalid bridge name %q: want 1 to 15 of [A-Za-z0-9_.-]", name)
	}
	return nil
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
		m.setNet(&r)
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
		m.setEp(k, &e)
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
			m.setNet(r)
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
	want, fixed, _ := m.cfg.Default.pool() // checked by New
	if fixed && def != nil && def.Bridge == m.cfg.Bridge && !sameAddressing(def, want) {
		if m.readdressable(def) {
			m.log.Info("default bridge: new bip or fixed-cidr", "subnet", want.Subnet, "gateway", want.Gateway, "range", want.Range)
			_ = bridge.Delete(def.Bridge) // its old address goes with it
			def.Bridge = ""
		} else {
			m.log.Warn("default bridge: bip and fixed-cidr apply once no container is on it", "subnet", def.Subnet)
		}
	}
	if def == nil || def.Bridge != m.cfg.Bridge {
		if !fixed {
			subnet, err := m.pickSubnet(def)
			if err != nil {
				return err
			}
			want = ipam.Pool{Subnet: subnet, Gateway: subnet.Addr().Next()}
		}
		if def == nil {
			def = &Record{ID: newID(), Name: DefaultName, Driver: "bridge", Default: true, Created: time.Now().UTC(),
				Labels: map[string]string{}, Options: map[string]string{}}
		}
		def.Bridge, def.Subnet, def.Gateway, def.IPRange = m.cfg.Bridge, want.Subnet, want.Gateway, want.Range
		def.Options = map[string]string{"com.docker.network.bridge.name": m.cfg.Bridge, "com.docker.network.bridge.default_bridge": "true",
			"com.docker.network.bridge.enable_icc": fmt.Sprint(!m.cfg.NoICC), "com.docker.network.bridge.enable_ip_masquerade": "true"}
		if err := m.db.Put(bucketNetworks, def.ID, def); err != nil {
			return err
		}
		m.setNet(def)
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
	pools := m.cfg.AddressPools
	if len(pools) == 0 {
		pools = ipam.DefaultAddressPools()
	}
	return ipam.PickSubnet(pools, inUse)
}

// Close closes the store and the port reservations and ends the firewall
// watch; the kernel state stays for the running containers (live restore).
func (m *Manager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopWatch()
	for k, fd := range m.ports {
		unix.Close(fd)
		delete(m.ports, k)
		delete(m.owner, k)
	}
	_ = m.epdb.Close()
	return m.db.Close()
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
		if !ep.hasRules() {
			continue // the ports are another endpoint's (a handover)
		}
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
	if err := m.applyLocked(); err != nil {
		return err
	}
	if err := firewall.Watch(m.table, m.stop, m.rulesChanged); err != nil {
		m.log.Warn("networking: host firewall changes will not be followed", "err", err)
	}
	return nil
}

// rulesChanged follows another engine or firewall that changed the host's
// tables (firewall.Watch): the accept rule in forward chains that drop by
// default is put back, and berth's own table rebuilt if it was deleted.
func (m *Manager) rulesChanged(ownGone bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.stop:
		return
	default:
	}
	if ownGone {
		m.fw.Forget()
		if err := m.applyLocked(); err != nil {
			m.log.Warn("networking: rebuild rules", "err", err)
		}
		return
	}
	if err := firewall.EnsureForeign(m.table); err != nil {
		m.log.Warn("networking: host forward chain", "err", err)
	}
}

func (m *Manager) stopWatch() {
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
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
		rs.Networks = append(rs.Networks, firewall.Network{Bridge: r.Bridge, Subnet: r.Subnet, Internal: r.Internal, NoICC: m.noICC(r)})
	}
	for _, k := range slices.Sorted(maps.Keys(m.eps)) {
		if m.eps[k].hasRules() {
			rs.Ports = append(rs.Ports, m.eps[k].Ports...)
		}
	}
	if err := m.fw.Apply(rs); err != nil {
		m.dirty = true
		return err
	}
	m.dirty = false
	m.setRouteLocalnet(rs)
	return nil
}

// noICC reports whether containers of the network may not talk to each
// other: icc=false for the default bridge, the enable_icc option for a
// user network.
func (m *Manager) noICC(r *Record) bool {
	if r.Default {
		return m.cfg.NoICC
	}
	return r.Options["com.docker.network.bridge.enable_icc"] == "false"
}

// setRouteLocalnet turns route_localnet on for the bridges with a port
// reachable on 127.0.0.1 (the host's packets from 127.0.0.1 are routed out
// to the container) and off for the others: a bridge with it on would
// accept packets for 127.0.0.0/8 (the input rule drops those from
// containers; CVE-2020-8558).
func (m *Manager) setRouteLocalnet(rs firewall.Ruleset) {
	need := firewall.LoopbackBridges(rs, func(a netip.Addr) string {
		for _, r := range m.nets {
			if r.Driver == "bridge" && r.Subnet.Contains(a) {
				return r.Bridge
			}
		}
		return ""
	})
	for _, n := range rs.Networks {
		bridge.SetRouteLocalnet(n.Bridge, need[n.Bridge])
	}
}

// RemoveAll deletes every kernel object of this daemon's networks: the
// user bridges, the default bridge, the rules, and the namespaces. For
// tests and uninstall; the records stay.
func (m *Manager) RemoveAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopWatch()
	for _, r := range m.nets {
		if r.Driver == "bridge" {
			_ = bridge.Delete(r.Bridge)
		}
	}
	_ = firewall.Remove(m.table)
	bridge.CleanNetNSDir(m.nsDir, nil)
}
