package cni

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"

	types100 "github.com/containernetworking/cni/pkg/types/100"
)

// An empty directory gets berth's default network, which libcni reads as a
// list of bridge, portmap and firewall.
func TestDefaultWrittenWhenNone(t *testing.T) {
	dir := t.TempDir()
	n := New(Config{ConfDir: filepath.Join(dir, "net.d"), CacheDir: filepath.Join(dir, "cache"), Bridge: "bt-x-cni", Subnet: "198.51.100.0/24"})
	list, err := n.load()
	if err != nil {
		t.Fatal(err)
	}
	if list.Name != "berth" || len(list.Plugins) != 3 {
		t.Fatalf("default list %q with %d plugins", list.Name, len(list.Plugins))
	}
	var br struct {
		Bridge string
		IPAM   struct {
			DataDir string
			Ranges  [][]struct{ Subnet string }
		}
	}
	if err := json.Unmarshal(list.Plugins[0].Bytes, &br); err != nil {
		t.Fatal(err)
	}
	if br.Bridge != "bt-x-cni" || br.IPAM.Ranges[0][0].Subnet != "198.51.100.0/24" || br.IPAM.DataDir != filepath.Join(dir, "cache", "ipam") {
		t.Fatalf("bridge plugin %+v", br)
	}
	for i, typ := range []string{"bridge", "portmap", "firewall"} {
		if list.Plugins[i].Network.Type != typ {
			t.Fatalf("plugin %d is %q, want %q", i, list.Plugins[i].Network.Type, typ)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "net.d", defaultName)); err != nil {
		t.Fatal(err)
	}
}

// The first file in name order wins, a single-plugin .conf becomes a list,
// and a directory with a configuration gets no default.
func TestFirstConfiguration(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("20-b.conflist", `{"cniVersion":"1.0.0","name":"b","plugins":[{"type":"bridge"}]}`)
	write("10-a.conf", `{"cniVersion":"1.0.0","name":"a","type":"ptp"}`)
	write("05-notes.txt", `not a configuration`)
	n := New(Config{ConfDir: dir, CacheDir: t.TempDir()})
	list, err := n.load()
	if err != nil {
		t.Fatal(err)
	}
	if list.Name != "a" || len(list.Plugins) != 1 || list.Plugins[0].Network.Type != "ptp" {
		t.Fatalf("loaded %q: %+v", list.Name, list.Plugins[0].Network)
	}
	if _, err := os.Stat(filepath.Join(dir, defaultName)); !os.IsNotExist(err) {
		t.Fatalf("default written beside a configuration: %v", err)
	}
	write("00-bad.conflist", `{"name":`)
	if _, err := n.load(); err == nil {
		t.Fatal("a broken first configuration was accepted")
	}
}

// The pod's address is the IPv4 one of eth0.
func TestAddress(t *testing.T) {
	zero, one := 0, 1
	res := &types100.Result{
		CNIVersion: "1.0.0",
		Interfaces: []*types100.Interface{{Name: "bt-host"}, {Name: "eth0"}},
		IPs: []*types100.IPConfig{
			{Interface: &zero, Address: net.IPNet{IP: net.ParseIP("198.51.100.1"), Mask: net.CIDRMask(24, 32)}},
			{Interface: &one, Address: net.IPNet{IP: net.ParseIP("2001:db8::5"), Mask: net.CIDRMask(64, 128)}},
			{Interface: &one, Address: net.IPNet{IP: net.ParseIP("198.51.100.7"), Mask: net.CIDRMask(24, 32)}},
		},
	}
	if ip, err := address(res); err != nil || ip != "198.51.100.7" {
		t.Fatalf("address %q, %v", ip, err)
	}
	res.IPs = res.IPs[:1]
	if ip, err := address(res); err == nil {
		t.Fatalf("no address of eth0, got %q", ip)
	}
}
