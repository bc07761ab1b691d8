package container

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	containertypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/berth/berth/internal/server/stream"
)

func TestLegacyInspectNetworkFields(t *testing.T) {
	resp := &containertypes.InspectResponse{NetworkSettings: &containertypes.NetworkSettings{Networks: map[string]*network.EndpointSettings{
		"bridge": {IPAddress: netip.MustParseAddr("172.17.0.2"), Gateway: netip.MustParseAddr("172.17.0.1"), IPPrefixLen: 16},
	}}}
	old := legacyInspect(stream.WithAPIVersion(context.Background(), "1.51"), resp)
	data, _ := json.Marshal(old)
	if !strings.Contains(string(data), `"IPAddress":"172.17.0.2"`) || !strings.Contains(string(data), `"Gateway":"172.17.0.1"`) {
		t.Fatalf("API 1.51: %s", data)
	}
	if cur := legacyInspect(stream.WithAPIVersion(context.Background(), "1.52"), resp); cur != any(resp) {
		t.Fatal("API 1.52 got the legacy fields")
	}
}

func TestLegacyCreateGates(t *testing.T) {
	at := func(v string) context.Context { return stream.WithAPIVersion(context.Background(), v) }
	req := func() *containertypes.CreateRequest {
		return &containertypes.CreateRequest{
			Config:     &containertypes.Config{Healthcheck: &containertypes.HealthConfig{StartInterval: 5}},
			HostConfig: &containertypes.HostConfig{AutoRemove: true, ConsoleSize: [2]uint{10, 20}, Annotations: map[string]string{"a": "b"}},
		}
	}
	old := req()
	if err := legacyCreate(at("1.24"), old); err != nil {
		t.Fatal(err)
	}
	hc := old.HostConfig
	if hc.AutoRemove || hc.IpcMode != "shareable" || hc.ConsoleSize != [2]uint{} || hc.Annotations != nil || old.Config.Healthcheck.StartInterval != 0 {
		t.Fatalf("1.24: %+v %+v", hc, old.Config.Healthcheck)
	}
	cur := req()
	if err := legacyCreate(at("1.44"), cur); err != nil {
		t.Fatal(err)
	}
	hc = cur.HostConfig
	if !hc.AutoRemove || hc.IpcMode != "" || hc.ConsoleSize != [2]uint{10, 20} || hc.Annotations == nil || cur.Config.Healthcheck.StartInterval != 5 {
		t.Fatalf("1.44: %+v %+v", hc, cur.Config.Healthcheck)
	}
	two := req()
	two.NetworkingConfig = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{"b": {}, "a": {}}}
	if err := legacyCreate(at("1.43"), two); err == nil || err.Error() != "Container cannot be connected to network endpoints: a, b" {
		t.Fatalf("1.43 with two endpoints: %v", err)
	}
	if err := legacyCreate(at("1.44"), two); err != nil {
		t.Fatalf("1.44 with two endpoints: %v", err)
	}
}

func TestShortIDAliases(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	resp := &containertypes.InspectResponse{ID: id, NetworkSettings: &containertypes.NetworkSettings{Networks: map[string]*network.EndpointSettings{
		"app":     {EndpointID: "e1", Aliases: []string{"db"}},
		"created": {Aliases: []string{"x"}},
		"bridge":  {EndpointID: "e2"},
	}}}
	data, _ := json.Marshal(legacyInspect(stream.WithAPIVersion(context.Background(), "1.44"), resp))
	s := string(data)
	if !strings.Contains(s, `"Aliases":["db","0123456789ab"]`) || !strings.Contains(s, `"Aliases":["x"]`) || strings.Count(s, "0123456789ab\"") != 1 {
		t.Fatalf("1.44: %s", s)
	}
}

func TestLegacyMacAddress(t *testing.T) {
	ctx := func(v string) context.Context { return stream.WithAPIVersion(context.Background(), v) }
	decode := func(raw string) *containertypes.CreateRequest {
		var body containertypes.CreateRequest
		if err := json.Unmarshal([]byte(raw), &body); err != nil {
			t.Fatal(err)
		}
		return &body
	}
	// The default network: the MAC moves to the "bridge" endpoint.
	raw := `{"Image":"busybox","MacAddress":"02:42:ac:11:00:99","HostConfig":{"NetworkMode":"default"}}`
	body := decode(raw)
	if err := legacyMacAddress(ctx("1.24"), []byte(raw), body); err != nil {
		t.Fatal(err)
	}
	if es := body.NetworkingConfig.EndpointsConfig["bridge"]; es == nil || es.MacAddress.String() != "02:42:ac:11:00:99" {
		t.Fatalf("endpoints %+v", body.NetworkingConfig.EndpointsConfig)
	}
	// The docker CLI's "default" key is the one filled when present.
	raw = `{"Image":"busybox","MacAddress":"02:42:ac:11:00:99","NetworkingConfig":{"EndpointsConfig":{"default":{}}}}`
	body = decode(raw)
	if err := legacyMacAddress(ctx("1.56"), []byte(raw), body); err != nil || body.NetworkingConfig.EndpointsConfig["default"].MacAddress.String() != "02:42:ac:11:00:99" || len(body.NetworkingConfig.EndpointsConfig) != 1 {
		t.Fatalf("%v %+v", err, body.NetworkingConfig.EndpointsConfig)
	}
	// Conflicts: another endpoint MAC (1.44+), a host network (below 1.44), a bad MAC.
	raw = `{"Image":"busybox","MacAddress":"02:42:ac:11:00:99","HostConfig":{"NetworkMode":"net1"},"NetworkingConfig":{"EndpointsConfig":{"net1":{"MacAddress":"02:42:ac:11:00:98"}}}}`
	if err := legacyMacAddress(ctx("1.44"), []byte(raw), decode(raw)); err == nil || !strings.Contains(err.Error(), "must match") {
		t.Fatalf("differing MACs: %v", err)
	}
	raw = `{"Image":"busybox","MacAddress":"02:42:ac:11:00:99","HostConfig":{"NetworkMode":"host"}}`
	if err := legacyMacAddress(ctx("1.43"), []byte(raw), decode(raw)); err == nil || err.Error() != "conflicting options: mac-address and the network mode" {
		t.Fatalf("host network below 1.44: %v", err)
	}
	if err := legacyMacAddress(ctx("1.44"), []byte(raw), decode(raw)); err != nil {
		t.Fatalf("host network from 1.44 (ignored): %v", err)
	}
	raw = `{"Image":"busybox","MacAddress":"nope"}`
	if err := legacyMacAddress(ctx("1.24"), []byte(raw), decode(raw)); err == nil {
		t.Fatal("a bad MAC was taken")
	}
}
