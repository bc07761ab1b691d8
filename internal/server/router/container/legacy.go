package container

import (
	"context"
	"encoding/json"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/server/stream"
)

// legacyInspect adds, for clients older than API 1.52 (the docker CLI 28
// speaks 1.51), the NetworkSettings fields the API has since dropped:
// Bridge, EndpointID, Gateway, IPAddress, IPPrefixLen, MacAddress… taken
// from the container's endpoint on the default "bridge" network, as dockerd
// filled them (empty otherwise), so `inspect -f {{.NetworkSettings.IPAddress}}`
// keeps working.
func legacyInspect(ctx context.Context, resp *containertypes.InspectResponse) any {
	if resp == nil || resp.NetworkSettings == nil || !stream.VersionLessThan(ctx, "1.52") {
		return resp
	}
	data, err := json.Marshal(resp)
	if err != nil {
		return resp
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return resp
	}
	var ns map[string]any
	if err := json.Unmarshal(m["NetworkSettings"], &ns); err != nil {
		return resp
	}
	legacy := map[string]any{
		"Bridge": "", "HairpinMode": false, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
		"SecondaryIPAddresses": nil, "SecondaryIPv6Addresses": nil,
		"EndpointID": "", "Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
		"IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "", "MacAddress": "",
	}
	if ep := resp.NetworkSettings.Networks["bridge"]; ep != nil && ep.IPAddress.IsValid() {
		legacy["EndpointID"] = ep.EndpointID
		legacy["Gateway"] = ep.Gateway.String()
		legacy["IPAddress"] = ep.IPAddress.String()
		legacy["IPPrefixLen"] = ep.IPPrefixLen
		legacy["MacAddress"] = ep.MacAddress.String()
	}
	for k, v := range legacy {
		if _, ok := ns[k]; !ok {
			ns[k] = v
		}
	}
	nsData, err := json.Marshal(ns)
	if err != nil {
		return resp
	}
	m["NetworkSettings"] = nsData
	return m
}
