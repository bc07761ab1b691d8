package container

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"
	networktypes "github.com/moby/moby/api/types/network"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/stream"
)

// legacyCreate applies to a create request the version gates dockerd
// applies for older clients: before 1.44 one network endpoint at most and
// no health-check start interval; before 1.43 no annotations; before 1.42
// no console size; before 1.40 the IPC mode defaults to "shareable" (a
// private namespace others may join); before 1.25 the client itself
// removes an --rm container, so AutoRemove is ignored.
func legacyCreate(ctx context.Context, body *containertypes.CreateRequest) error {
	if stream.VersionLessThan(ctx, "1.44") {
		if nc := body.NetworkingConfig; nc != nil && len(nc.EndpointsConfig) > 1 {
			names := make([]string, 0, len(nc.EndpointsConfig))
			for k := range nc.EndpointsConfig {
				names = append(names, k)
			}
			slices.Sort(names)
			return errdefs.InvalidParameter(fmt.Errorf("Container cannot be connected to network endpoints: %s", strings.Join(names, ", ")))
		}
		if body.Config.Healthcheck != nil {
			body.Config.Healthcheck.StartInterval = 0
		}
	}
	hc := body.HostConfig
	if hc == nil {
		return nil
	}
	if stream.VersionLessThan(ctx, "1.43") {
		hc.Annotations = nil
	}
	if stream.VersionLessThan(ctx, "1.42") {
		hc.ConsoleSize = [2]uint{}
	}
	if stream.VersionLessThan(ctx, "1.40") && hc.IpcMode == "" {
		hc.IpcMode = containertypes.IPCModeShareable
	}
	if stream.VersionLessThan(ctx, "1.25") {
		hc.AutoRemove = false
	}
	return nil
}

// legacyInspect adds, for clients older than API 1.52 (the docker CLI 28
// speaks 1.51), the NetworkSettings fields the API has since dropped:
// Bridge, EndpointID, Gateway, IPAddress, IPPrefixLen, MacAddress… taken
// from the container's endpoint on the default "bridge" network, as dockerd
// filled them (empty otherwise), so `inspect -f {{.NetworkSettings.IPAddress}}`
// keeps working. Before 1.45 the Aliases of user-defined networks also
// hold the short ID (shortIDAliases).
func legacyInspect(ctx context.Context, resp *containertypes.InspectResponse) any {
	if resp == nil || resp.NetworkSettings == nil || !stream.VersionLessThan(ctx, "1.52") {
		return resp
	}
	if stream.VersionLessThan(ctx, "1.45") {
		shortIDAliases(resp)
	}
	m, ok := httputil.Object(resp)
	if !ok {
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

// shortIDAliases adds the container's short ID to the Aliases of each
// live endpoint on a user-defined network, as dockerd's inspect did before
// API 1.45 (the name is in DNSNames since). A created container shows none
// (dockerd 20.10 adds it when it makes the endpoint): docker-compose 1.29
// takes a short-ID alias as the sign that a container's endpoint needs no
// update, and would keep the service's aliases on its one-off containers.
func shortIDAliases(resp *containertypes.InspectResponse) {
	short := resp.ID
	if len(short) > 12 {
		short = short[:12]
	}
	for name, ep := range resp.NetworkSettings.Networks {
		mode := containertypes.NetworkMode(name)
		if ep == nil || ep.EndpointID == "" || mode.IsDefault() || mode.IsBridge() || mode.IsHost() || mode.IsNone() || mode.IsContainer() {
			continue
		}
		if !slices.Contains(ep.Aliases, short) {
			ep.Aliases = append(slices.Clone(ep.Aliases), short)
		}
	}
}

// legacyMacAddress moves the container-wide Config.MacAddress, which API
// 1.44 deprecated and later versions dropped from the type (older clients
// and the Python SDK at any version still send it), to the endpoint of the
// container's network, as dockerd's create does: below 1.44 a MAC with a
// host, none or container network mode is refused; from 1.44 it is
// ignored there, and must match the endpoint's own MacAddress if both are
// given.
func legacyMacAddress(ctx context.Context, raw []byte, body *containertypes.CreateRequest) error {
	var legacy struct{ MacAddress string } // the Config's fields are the body's own
	if err := json.Unmarshal(raw, &legacy); err != nil || legacy.MacAddress == "" {
		return nil
	}
	mac, err := net.ParseMAC(legacy.MacAddress)
	if err != nil {
		return errdefs.InvalidParameter(fmt.Errorf("invalid MAC address: %s", legacy.MacAddress))
	}
	if body.HostConfig == nil {
		body.HostConfig = &containertypes.HostConfig{}
	}
	mode := body.HostConfig.NetworkMode
	if mode == "" || mode.IsDefault() {
		mode = "bridge"
	}
	if mode.IsHost() || mode.IsNone() || mode.IsContainer() {
		if stream.VersionLessThan(ctx, "1.44") {
			return errdefs.InvalidParameter(errors.New("conflicting options: mac-address and the network mode"))
		}
		return nil
	}
	if body.NetworkingConfig == nil {
		body.NetworkingConfig = &networktypes.NetworkingConfig{}
	}
	if body.NetworkingConfig.EndpointsConfig == nil {
		body.NetworkingConfig.EndpointsConfig = map[string]*networktypes.EndpointSettings{}
	}
	eps := body.NetworkingConfig.EndpointsConfig
	name := string(mode)
	if _, ok := eps[name]; !ok && name == "bridge" && eps["default"] != nil {
		name = "default" // the docker CLI's key for the default network
	}
	es := eps[name]
	if es == nil {
		es = &networktypes.EndpointSettings{}
		eps[name] = es
	}
	switch {
	case len(es.MacAddress) == 0:
		es.MacAddress = networktypes.HardwareAddr(mac)
	case es.MacAddress.String() != mac.String() && !stream.VersionLessThan(ctx, "1.44"):
		return errdefs.InvalidParameter(errors.New("the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty"))
	default:
		es.MacAddress = networktypes.HardwareAddr(mac)
	}
	return nil
}
