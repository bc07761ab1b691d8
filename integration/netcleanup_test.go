package integration

import (
	"os"
	"os/exec"
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

// cniChains reports whether the CNI plugins' iptables chains (CNI-*, made
// by the CRI tests' bridge, portmap and firewall plugins and shared by
// every CNI user of the host) exist.
func cniChains() bool {
	for _, table := range []string{"filter", "nat"} {
		out, _ := exec.Command("iptables", "-t", table, "-S").Output()
		if strings.Contains(string(out), "-N CNI-") {
			return true
		}
	}
	return false
}

// removeCNIChains removes the CNI plugins' chains and the rules that jump
// to them, unless they were there before the run (existed): then they
// are another CNI user's.
func removeCNIChains(existed bool) {
	if existed {
		return
	}
	for _, table := range []string{"filter", "nat"} {
		out, _ := exec.Command("iptables", "-t", table, "-S").Output()
		var chains []string
		for _, line := range strings.Split(string(out), "\n") {
			if name, ok := strings.CutPrefix(line, "-N CNI-"); ok {
				chains = append(chains, "CNI-"+name)
				continue
			}
			// "-A FORWARD … -j CNI-FORWARD": -S quotes as a shell reads.
			if rule, ok := strings.CutPrefix(line, "-A "); ok && !strings.HasPrefix(rule, "CNI-") && strings.Contains(rule, " -j CNI-") {
				_ = exec.Command("sh", "-c", "iptables -t "+table+" -D "+rule).Run()
			}
		}
		for _, c := range chains {
			_ = exec.Command("iptables", "-t", table, "-F", c).Run()
		}
		for _, c := range chains {
			_ = exec.Command("iptables", "-t", table, "-X", c).Run()
		}
	}
}
