package bridge

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

func ipnet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// Ensure creates (or finds) the bridge name with gateway/bits as its
// address and brings it up (IPv4 only). An existing bridge with another
// address is an error: two networks must not share a device.
func Ensure(name string, gateway netip.Prefix, mtu int) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if !errors.As(err, &nf) {
			return fmt.Errorf("find bridge %s: %w", name, err)
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = name
		if mtu > 0 {
			attrs.MTU = mtu
		}
		br := &netlink.Bridge{LinkAttrs: attrs}
		if err := netlink.LinkAdd(br); err != nil {
			return fmt.Errorf("create bridge %s: %w", name, err)
		}
		if l, err = netlink.LinkByName(name); err != nil {
			return fmt.Errorf("find bridge %s: %w", name, err)
		}
	} else if l.Type() != "bridge" {
		return fmt.Errorf("device %s exists and is not a bridge", name)
	}
	addrs, err := redump(func() ([]netlink.Addr, error) { return netlink.AddrList(l, unix.AF_INET) })
	if err != nil {
		return fmt.Errorf("list addresses of %s: %w", name, err)
	}
	has := false
	for _, a := range addrs {
		p, _ := netip.AddrFromSlice(a.IP.To4())
		ones, _ := a.Mask.Size()
		if netip.PrefixFrom(p, ones) == gateway {
			has = true
		}
	}
	if !has {
		if err := netlink.AddrAdd(l, &netlink.Addr{IPNet: ipnet(gateway)}); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("add address %s to %s: %w", gateway, name, err)
		}
	}
	noIPv6(name)
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("bring up %s: %w", name, err)
	}
	return nil
}

// SetRouteLocalnet turns net.ipv4.conf.<name>.route_localnet on or off
// (written only when it differs).
func SetRouteLocalnet(name string, on bool) {
	p := "/proc/sys/net/ipv4/conf/" + name + "/route_localnet"
	want := byte('0')
	if on {
		want = '1'
	}
	if cur, err := os.ReadFile(p); err == nil && len(cur) > 0 && cur[0] == want {
		return
	}
	_ = os.WriteFile(p, []byte{want}, 0o644)
}

// Delete removes the bridge name; a missing one is not an error.
func Delete(name string) error {
	l, err := linkOfType(name, "bridge")
	if l == nil || err != nil {
		return err
	}
	if err := netlink.LinkDel(l); err != nil {
		return fmt.Errorf("delete bridge %s: %w", name, err)
	}
	return nil
}

// linkOfType finds the device name of kind typ; a missing one is nil, one
// of another kind an error.
func linkOfType(name, typ string) (netlink.Link, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return nil, nil
	}
	if l.Type() != typ {
		return nil, fmt.Errorf("device %s is not a %s", name, typ)
	}
	return l, nil
}

// redump runs a netlink dump again while the kernel reports it interrupted
// by a concurrent change (other containers and networks coming and going),
// up to five times; its results are then complete.
func redump[T any](dump func() (T, error)) (T, error) {
	for i := 0; ; i++ {
		v, err := dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) || i == 4 {
			return v, err
		}
	}
}

// Exists reports whether a link of that name exists.
func Exists(name string) bool {
	_, err := netlink.LinkByName(name)
	return err == nil
}

// HostPrefixes returns the IPv4 prefixes in use on the host: addresses of
// every interface and the destinations of the main table's routes (the
// default route excluded; dockerd checks the same), which a new network's
// subnet must not overlap.
func HostPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	addrs, err := redump(func() ([]netlink.Addr, error) { return netlink.AddrList(nil, unix.AF_INET) })
	if err != nil {
		return nil, fmt.Errorf("list host addresses: %w", err)
	}
	for _, a := range addrs {
		if p, ok := toPrefix(a.IPNet); ok {
			out = append(out, p.Masked())
		}
	}
	// The main table: the local table only repeats the addresses.
	routes, err := redump(func() ([]netlink.Route, error) {
		return netlink.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	})
	if err != nil {
		return nil, fmt.Errorf("list host routes: %w", err)
	}
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		if p, ok := toPrefix(r.Dst); ok && p.Bits() > 0 && !p.Addr().IsLoopback() && r.Type != unix.RTN_LOCAL && r.Type != unix.RTN_BROADCAST {
			out = append(out, p.Masked())
		}
	}
	return out, nil
}

func toPrefix(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil || n.IP.To4() == nil {
		return netip.Prefix{}, false
	}
	a, _ := netip.AddrFromSlice(n.IP.To4())
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a, ones), true
}

// HostAddrs returns the host's IPv4 addresses (loopback excluded).
func HostAddrs() []netip.Addr {
	var out []netip.Addr
	addrs, _ := redump(func() ([]netlink.Addr, error) { return netlink.AddrList(nil, unix.AF_INET) })
	for _, a := range addrs {
		if p, ok := toPrefix(a.IPNet); ok && !p.Addr().IsLoopback() {
			out = append(out, p.Addr())
		}
	}
	return out
}

// PrivateDir makes dir a private bind mount of itself (once), so that the
// netns mounts under it do not propagate to other mount namespaces (the
// containers' among them), which would keep the namespaces alive.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o710); err != nil {
		return err
	}
	if err := unix.Mount("", dir, "", unix.MS_PRIVATE, ""); err == nil {
		return nil // already a mount point
	}
	if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind mount %s: %w", dir, err)
	}
	if err := unix.Mount("", dir, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %s private: %w", dir, err)
	}
	return nil
}

// NewNetNS creates a network namespace with loopback up and pins it at
// path (a bind mount of the nsfs file), so it outlives this process and
// any runtime joins it by path.
func NewNetNS(path string) (retErr error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return fmt.Errorf("create netns file %s: %w", path, err)
	}
	f.Close()
	defer func() {
		if retErr != nil {
			_ = os.Remove(path)
		}
	}()
	errc := make(chan error, 1)
	go func() {
		// unshare(CLONE_NEWNET) changes only this thread; the thread is
		// locked and never unlocked, so the Go runtime ends it with the
		// goroutine instead of reusing it in the new namespace.
		runtime.LockOSThread()
		errc <- func() error {
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("unshare network namespace: %w", err)
			}
			if err := unix.Mount(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()), path, "", unix.MS_BIND, ""); err != nil {
				return fmt.Errorf("pin network namespace at %s: %w", path, err)
			}
			lo, err := netlink.LinkByName("lo")
			if err == nil {
				err = netlink.LinkSetUp(lo)
			}
			if err != nil {
				return fmt.Errorf("bring up lo: %w", err)
			}
			return nil
		}()
	}()
	if err := <-errc; err != nil {
		_ = unix.Unmount(path, unix.MNT_DETACH)
		return err
	}
	return nil
}

// Quiesce removes the IPv4 addresses of the namespace's interfaces (lo
// excepted): the kernel tears a namespace down in the background, and
// until then its interfaces must not answer for an address that may
// already belong to a new container.
func Quiesce(path string) {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return
	}
	defer h.Close()
	addrs, err := h.AddrList(nil, unix.AF_INET)
	if err != nil {
		return
	}
	for _, a := range addrs {
		if a.IP.IsLoopback() {
			continue
		}
		if l, err := h.LinkByIndex(a.LinkIndex); err == nil {
			_ = h.AddrDel(l, &a)
		}
	}
}

// DeleteNetNS unpins the namespace at path and removes the file; the
// namespace (and the veths inside) go away with its last user.
func DeleteNetNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount netns %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// CleanNetNSDir unpins and removes every netns file under dir except keep.
func CleanNetNSDir(dir string, keep map[string]bool) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !keep[e.Name()] {
			_ = DeleteNetNS(filepath.Join(dir, e.Name()))
		}
	}
}

// Endpoint is one interface of a namespace plugged into a bridge.
type Endpoint struct {
	Bridge   string
	HostVeth string // name on the host side
	IfName   string // name inside, e.g. eth0
	Addr     netip.Prefix
	Gateway  netip.Addr // default route, if valid
	MAC      net.HardwareAddr
	MTU      int
	// Isolated makes the bridge port isolated: it forwards only to and
	// from non-isolated ports (the host), never to another isolated one:
	// icc=false without any packet filter.
	Isolated bool
}

// Attach creates the veth pair of ep: the host end enslaved to the bridge
// and up, the other end created directly inside the namespace at nsPath
// (so its name never clashes on the host), with address, MAC, and the
// default route when ep.Gateway is set.
func Attach(nsPath string, ep Endpoint) (retErr error) {
	br, err := netlink.LinkByName(ep.Bridge)
	if err != nil {
		return fmt.Errorf("find bridge %s: %w", ep.Bridge, err)
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", nsPath, err)
	}
	defer ns.Close()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = ep.HostVeth
	attrs.MasterIndex = br.Attrs().Index
	attrs.MTU = br.Attrs().MTU
	if ep.MTU > 0 {
		attrs.MTU = ep.MTU
	}
	veth := &netlink.Veth{LinkAttrs: attrs, PeerName: ep.IfName, PeerNamespace: netlink.NsFd(ns), PeerHardwareAddr: ep.MAC}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s: %w", ep.HostVeth, err)
	}
	defer func() {
		if retErr != nil {
			_ = Detach(ep.HostVeth)
		}
	}()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", nsPath, err)
	}
	defer h.Close()
	in, err := h.LinkByName(ep.IfName)
	if err != nil {
		return fmt.Errorf("find %s in %s: %w", ep.IfName, nsPath, err)
	}
	if err := h.AddrAdd(in, &netlink.Addr{IPNet: ipnet(ep.Addr)}); err != nil {
		return fmt.Errorf("add address %s: %w", ep.Addr, err)
	}
	if err := h.LinkSetUp(in); err != nil {
		return fmt.Errorf("bring up %s: %w", ep.IfName, err)
	}
	if ep.Gateway.IsValid() {
		if err := h.RouteAdd(&netlink.Route{LinkIndex: in.Attrs().Index, Gw: net.IP(ep.Gateway.AsSlice())}); err != nil {
			return fmt.Errorf("add default route via %s: %w", ep.Gateway, err)
		}
	}
	host, err := netlink.LinkByName(ep.HostVeth)
	if err != nil {
		return fmt.Errorf("find veth %s: %w", ep.HostVeth, err)
	}
	// Hairpin: a container reaching its own published port through the
	// host's address gets the packet back on the port it came from.
	if err := netlink.LinkSetHairpin(host, true); err != nil {
		return fmt.Errorf("set hairpin on %s: %w", ep.HostVeth, err)
	}
	if ep.Isolated {
		if err := netlink.LinkSetIsolated(host, true); err != nil {
			return fmt.Errorf("isolate %s: %w", ep.HostVeth, err)
		}
	}
	noIPv6(ep.HostVeth)
	if err := netlink.LinkSetUp(host); err != nil {
		return fmt.Errorf("bring up %s: %w", ep.HostVeth, err)
	}
	return nil
}

// noIPv6 turns IPv6 off on a host device of berth's before it comes up:
// berth's networks are IPv4 only, and each device with IPv6 on adds its own
// fe80::/64 route, which makes every next device slower to bring up (the
// kernel walks them all). A host without IPv6 has no such file.
func noIPv6(dev string) {
	_ = os.WriteFile("/proc/sys/net/ipv6/conf/"+dev+"/disable_ipv6", []byte("1"), 0o644)
}

// Detach deletes the host end of a veth pair (the peer goes with it); a
// missing one is not an error.
func Detach(hostVeth string) error {
	l, err := linkOfType(hostVeth, "veth")
	if l == nil || err != nil {
		return err
	}
	return netlink.LinkDel(l)
}

// DetachIn deletes the interface ifName inside the namespace at nsPath
// (network disconnect); the host end goes with it.
func DetachIn(nsPath, ifName string) error {
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", nsPath, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	l, err := h.LinkByName(ifName)
	if err != nil {
		return nil
	}
	return h.LinkDel(l)
}

// MACFor returns Docker's MAC for an IPv4 address: 02:42 and the address.
func MACFor(a netip.Addr) net.HardwareAddr {
	b := a.As4()
	return net.HardwareAddr{0x02, 0x42, b[0], b[1], b[2], b[3]}
}
