package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"

	"github.com/berth/berth/internal/network/firewall"
)

// removeNetworking deletes what a test daemon whose default bridge is br
// left in the kernel: its bridges and veths (all named br…), its nftables
// tables (named br) and the network namespaces pinned under nsDir.
func removeNetworking(br, nsDir string) {
	links, _ := netlink.LinkList()
	for _, l := range links {
		if strings.HasPrefix(l.Attrs().Name, br) {
			_ = netlink.LinkDel(l)
		}
	}
	_ = firewall.Remove(br)
	entries, _ := os.ReadDir(nsDir)
	for _, e := range entries {
		p := filepath.Join(nsDir, e.Name())
		_ = syscall.Unmount(p, syscall.MNT_DETACH)
		_ = os.Remove(p)
	}
	// The directory is a bind mount of itself; unmount every layer (two
	// daemons racing at start may each have made one).
	for i := 0; i < 8 && syscall.Unmount(nsDir, syscall.MNT_DETACH) == nil; i++ {
	}
}
