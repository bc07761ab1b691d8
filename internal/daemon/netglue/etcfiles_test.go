package netglue

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/testutil"
)

func etcService(t *testing.T) *Service {
	t.Helper()
	dir := t.TempDir()
	reg, err := container.NewRegistry(testutil.OpenStore(t, container.Bucket))
	if err != nil {
		t.Fatal(err)
	}
	oldResolv, oldHosts := hostResolvConf, hostHosts
	t.Cleanup(func() { hostResolvConf, hostHosts = oldResolv, oldHosts })
	hostResolvConf, hostHosts = filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "hosts")
	if err := os.WriteFile(hostResolvConf, []byte("nameserver 127.0.0.53\nnameserver 10.9.9.9\nsearch corp.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Service{containers: reg, containerDir: func(id string) string { return filepath.Join(dir, "containers", id) }}
}

func etcContainer(t *testing.T, s *Service, name string, hc *containertypes.HostConfig) *container.Container {
	t.Helper()
	c := container.New(container.GenerateID(), "/"+name)
	c.Config = &containertypes.Config{Hostname: container.ShortID(c.ID), Domainname: ""}
	c.HostConfig = hc
	if err := os.MkdirAll(s.containerDir(c.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.containers.(*container.Registry).Add(c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWriteEtcFilesEmbedded(t *testing.T) {
	s := etcService(t)
	s.opts.HostGatewayIP = netip.MustParseAddr("172.17.0.1")
	child := etcContainer(t, s, "db1", &containertypes.HostConfig{NetworkMode: "none"})
	c := etcContainer(t, s, "web", &containertypes.HostConfig{NetworkMode: "bridge",
		ExtraHosts: []string{"gw:host-gateway", "x=10.0.0.9"}, Links: []string{"db1:db"}, DNSOptions: []string{"ndots:1"}})
	ups, err := s.writeEtcFiles(c, etcNetwork{Addrs: []netip.Addr{netip.MustParseAddr("10.5.0.2")}, Aliases: []string{"web"}, Embedded: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 2 || ups[0].String() != "127.0.0.53:53" || ups[1].String() != "10.9.9.9:53" {
		t.Errorf("upstreams %v: the host's, loopback included", ups)
	}
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(s.containerDir(c.ID), name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	if got := read("resolv.conf"); got != "nameserver 127.0.0.11\nsearch corp.example\noptions ndots:1\n" {
		t.Errorf("resolv.conf:\n%s", got)
	}
	hosts := read("hosts")
	short := container.ShortID(c.ID)
	if !strings.HasSuffix(hosts, "\n172.17.0.1\tgw\n10.0.0.9\tx\n10.5.0.2\t"+short+" web\n") {
		t.Errorf("hosts:\n%s", hosts)
	}
	if got := read("hostname"); got != short+"\n" {
		t.Errorf("hostname %q", got)
	}

	// A rewrite keeps the inode (the file is bind-mounted into a running
	// container) and refuses a symlink planted in its place.
	p := filepath.Join(s.containerDir(c.ID), "hosts")
	var before, after syscall.Stat_t
	_ = syscall.Stat(p, &before)
	if _, err := s.writeEtcFiles(c, etcNetwork{}); err != nil {
		t.Fatal(err)
	}
	_ = syscall.Stat(p, &after)
	if before.Ino != after.Ino || strings.Contains(read("hosts"), "10.5.0.2") {
		t.Errorf("rewrite: inode %d → %d, hosts:\n%s", before.Ino, after.Ino, read("hosts"))
	}
	target := filepath.Join(t.TempDir(), "target")
	_ = os.Remove(p)
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	if _, err := s.writeEtcFiles(c, etcNetwork{}); err == nil {
		t.Error("wrote through a symlink")
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("symlink target created")
	}

	// Links: the target must run at start, on the default bridge only.
	c.HostConfig.NetworkMode = "none"
	if err := s.CheckLinks(c); err != nil {
		t.Errorf("CheckLinks on none: %v", err)
	}
	c.HostConfig.NetworkMode = "bridge"
	if err := s.CheckLinks(c); err == nil || !strings.Contains(err.Error(), "Cannot link to a non running container: /db1 AS /web/db") {
		t.Errorf("CheckLinks: %v", err)
	}
	child.State.Status = container.StatusRunning
	if err := s.CheckLinks(c); err != nil {
		t.Errorf("CheckLinks with the target running: %v", err)
	}
}

func TestValidateNames(t *testing.T) {
	s := etcService(t)
	etcContainer(t, s, "hostc", &containertypes.HostConfig{NetworkMode: "host"})
	etcContainer(t, s, "plain", &containertypes.HostConfig{NetworkMode: "none"})
	for _, c := range []struct {
		hc   containertypes.HostConfig
		want string
	}{
		{containertypes.HostConfig{ExtraHosts: []string{"a:10.0.0.1"}, Links: []string{"plain:p", "/plain:/me/q", "plain"}}, ""},
		{containertypes.HostConfig{ExtraHosts: []string{"gw:host-gateway"}}, "host-gateway"},
		{containertypes.HostConfig{ExtraHosts: []string{"bad"}}, "bad format"},
		{containertypes.HostConfig{Links: []string{"nosuch:n"}}, "could not get container for nosuch"},
		{containertypes.HostConfig{Links: []string{"hostc:h"}}, "host type networking can't be used with links"},
		{containertypes.HostConfig{NetworkMode: "host", Links: []string{"plain:p"}}, "host type networking can't be used with links"},
		{containertypes.HostConfig{NetworkMode: "container:plain"}, ""},
		{containertypes.HostConfig{NetworkMode: "container:plain", ExtraHosts: []string{"a:10.0.0.1"}}, "custom host-to-IP mapping and the network mode"},
		{containertypes.HostConfig{NetworkMode: "container:plain", DNSSearch: []string{"x"}}, "dns and the network mode"},
		{containertypes.HostConfig{NetworkMode: "container:plain", Links: []string{"plain:p"}}, "container type network can't be used with links"},
	} {
		err := s.ValidateNames(&c.hc)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v, want %q", c.hc, err, c.want)
		}
	}
	if n, a := parseLink("/plain:/me/q"); n != "plain" || a != "q" {
		t.Errorf("parseLink: %q %q", n, a)
	}
}

func TestWriteEtcFilesContainerMode(t *testing.T) {
	s := etcService(t)
	other := etcContainer(t, s, "other", &containertypes.HostConfig{NetworkMode: "none", ExtraHosts: []string{"db:10.0.0.5"}})
	other.Config.Hostname, other.Config.Domainname = "otherhost", "ex.com"
	if _, err := s.writeEtcFiles(other, etcNetwork{Addrs: []netip.Addr{netip.MustParseAddr("10.5.0.9")}}); err != nil {
		t.Fatal(err)
	}
	c := etcContainer(t, s, "joiner", &containertypes.HostConfig{NetworkMode: "container:other"})
	if _, err := s.writeEtcFiles(c, etcNetwork{}); err != nil {
		t.Fatal(err)
	}
	if c.Config.Hostname != "otherhost" || c.Config.Domainname != "ex.com" {
		t.Errorf("hostname %q domain %q, want the joined container's", c.Config.Hostname, c.Config.Domainname)
	}
	for _, name := range []string{"hostname", "hosts", "resolv.conf"} {
		a, _ := os.ReadFile(filepath.Join(s.containerDir(other.ID), name))
		b, err := os.ReadFile(filepath.Join(s.containerDir(c.ID), name))
		if err != nil || string(a) != string(b) {
			t.Errorf("%s: %v\n%s\nwant:\n%s", name, err, b, a)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(s.containerDir(c.ID), "hosts")); !strings.Contains(string(b), "10.5.0.9\totherhost.ex.com otherhost\n") {
		t.Errorf("hosts:\n%s", b)
	}
}
