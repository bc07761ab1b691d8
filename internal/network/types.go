package network

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/internal/network/firewall"
)

// Drivers and names of the predefined networks.
const (
	DefaultName = "bridge"
	HostName    = "host"
	NoneName    = "none"
)

// Record is one network.
type Record struct {
	ID         string
	Name       string
	Driver     string // "bridge"
	Created    time.Time
	Bridge     string // device name
	Subnet     netip.Prefix
	Gateway    netip.Addr
	IPRange    netip.Prefix `json:",omitzero"`
	Internal   bool         `json:",omitempty"`
	Attachable bool         `json:",omitempty"`
	Labels     map[string]string
	Options    map[string]string
	// UserSubnet is set when the subnet was given at create.
	UserSubnet bool `json:",omitempty"`
	// Default marks the predefined "bridge" network.
	Default bool `json:",omitempty"`
}

// Endpoint is one container's interface on one network.
type Endpoint struct {
	ID            string
	ContainerID   string
	ContainerName string // without the leading "/"
	NetworkID     string
	IfName        string // inside: eth0, eth1…
	HostVeth      string
	Addr          netip.Addr
	MAC           string
	Aliases       []string `json:",omitempty"`
	// Ports published through this endpoint (the container's first
	// network).
	Ports []firewall.Port `json:",omitempty"`
	// TakesOver is the container whose published host ports this
	// endpoint shares until it takes them over (Manager.TakeOver): until
	// then its ports get no rules and the other container's serve them.
	TakesOver string `json:",omitempty"`
	// HandedOver marks an endpoint whose ports another container took
	// over: they get no rules and are not its to free.
	HandedOver bool `json:",omitempty"`
}

// PortRequest is one binding of HostConfig.PortBindings, resolved.
type PortRequest struct {
	Proto         string
	HostIP        netip.Addr // invalid = all addresses
	HostPortStart uint16     // 0 = ephemeral
	HostPortEnd   uint16     // = start unless a range was given
	ContainerPort uint16
}

// ParseHostPort parses Docker's HostPort field: "", "8080" or "8000-8010".
func ParseHostPort(s string) (start, end uint16, err error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, 0, nil
	}
	a, b, isRange := strings.Cut(s, "-")
	x, err := strconv.ParseUint(a, 10, 16)
	if err != nil {
		return 0, 0, fmt.Errorf("invalid host port %q", s)
	}
	y := x
	if isRange {
		if y, err = strconv.ParseUint(b, 10, 16); err != nil || y < x {
			return 0, 0, fmt.Errorf("invalid host port range %q", s)
		}
	}
	return uint16(x), uint16(y), nil
}
