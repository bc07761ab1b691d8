package netglue

import (
	"net/netip"
	"testing"

	containertypes "github.com/moby/moby/api/types/container"
	networktypes "github.com/moby/moby/api/types/network"

	"github.com/berth/berth/internal/container"
)

func TestPortRequests(t *testing.T) {
	c := container.New("0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef", "/web")
	c.Config = &containertypes.Config{ExposedPorts: networktypes.PortSet{
		networktypes.MustParsePort("80/tcp"): {}, networktypes.MustParsePort("53/udp"): {}, networktypes.MustParsePort("9000/tcp"): {},
	}}
	c.HostConfig = &containertypes.HostConfig{
		PublishAllPorts: true,
		PortBindings: networktypes.PortMap{
			networktypes.MustParsePort("80/tcp"): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "8080"}, {HostPort: "8000-8010"}},
			networktypes.MustParsePort("53/udp"): {{HostIP: netip.MustParseAddr("::"), HostPort: "5353"}, {HostPort: "5353"}},
		},
	}
	got, err := portRequests(c)
	if err != nil {
		t.Fatal(err)
	}
	// 53/udp (the "::" binding adds nothing), 80/tcp twice, then -P's 9000.
	want := []struct {
		proto      string
		ip         string
		start, end uint16
		cport      uint16
	}{{"udp", "invalid IP", 5353, 5353, 53}, {"tcp", "127.0.0.1", 8080, 8080, 80}, {"tcp", "invalid IP", 8000, 8010, 80}, {"tcp", "invalid IP", 0, 0, 9000}}
	if len(got) != len(want) {
		t.Fatalf("requests %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.Proto != w.proto || g.HostIP.String() != w.ip || g.HostPortStart != w.start || g.HostPortEnd != w.end || g.ContainerPort != w.cport {
			t.Errorf("request %d: %+v, want %+v", i, g, w)
		}
	}
	c.HostConfig.PortBindings = networktypes.PortMap{networktypes.MustParsePort("80/tcp"): {{HostIP: netip.MustParseAddr("fd00::1"), HostPort: "80"}}}
	if _, err := portRequests(c); err == nil {
		t.Error("IPv6 host address accepted")
	}
}

func TestContainerNetworksOrder(t *testing.T) {
	c := container.New("0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef", "/x")
	c.HostConfig = &containertypes.HostConfig{NetworkMode: "front"}
	c.NetworkingConfig = &networktypes.NetworkingConfig{EndpointsConfig: map[string]*networktypes.EndpointSettings{"zeta": {}, "front": {}, "alpha": {}}}
	got := containerNetworks(c)
	if len(got) != 3 || got[0] != "front" || got[1] != "alpha" || got[2] != "zeta" {
		t.Fatalf("order %v", got)
	}
}

// A stopped container disconnected from its NetworkMode network joins only
// the networks left, or none (dockerd keeps NetworkMode as it was); host,
// none and container modes are the mode alone.
func TestContainerNetworksDisconnected(t *testing.T) {
	c := container.New("0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef", "/x")
	c.HostConfig = &containertypes.HostConfig{NetworkMode: "front"}
	c.NetworkingConfig = &networktypes.NetworkingConfig{EndpointsConfig: map[string]*networktypes.EndpointSettings{"zeta": {}, "alpha": {}}}
	if got := containerNetworks(c); len(got) != 2 || got[0] != "alpha" || got[1] != "zeta" {
		t.Fatalf("front disconnected: %v", got)
	}
	c.NetworkingConfig.EndpointsConfig = map[string]*networktypes.EndpointSettings{}
	if got := containerNetworks(c); len(got) != 0 {
		t.Fatalf("all disconnected: %v", got)
	}
	for _, mode := range []string{"host", "none", "container:other"} {
		c.HostConfig.NetworkMode = containertypes.NetworkMode(mode)
		if got := containerNetworks(c); len(got) != 1 || got[0] != mode {
			t.Fatalf("%s: %v", mode, got)
		}
	}
}
