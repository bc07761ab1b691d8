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
