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
