package opts

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/network"
)

// ParsePublish parses -p values ([ip:][hostPort:]containerPort[/proto],
// with ranges) into the exposed port set and the port bindings.
func ParsePublish(specs []string) (network.PortSet, network.PortMap, error) {
	exposed := network.PortSet{}
	bindings := network.PortMap{}
	for _, spec := range specs {
		if err := parsePortSpec(spec, exposed, bindings); err != nil {
			return nil, nil, err
		}
	}
	return exposed, bindings, nil
}

// ParseExpose parses --expose values (port[/proto] or a range).
func ParseExpose(specs []string, exposed network.PortSet) error {
	for _, s := range specs {
		if !strings.Contains(s, "/") {
			s += "/tcp"
		}
		pr, err := network.ParsePortRange(s)
		if err != nil {
			return fmt.Errorf("invalid range format for --expose: %s, error: %w", s, err)
		}
		for p := range pr.All() {
			exposed[p] = struct{}{}
		}
	}
	return nil
}

func parsePortSpec(spec string, exposed network.PortSet, bindings network.PortMap) error {
	proto := "tcp"
	rest := spec
	if i := strings.LastIndex(spec, "/"); i >= 0 {
		rest, proto = spec[:i], strings.ToLower(spec[i+1:])
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			return fmt.Errorf("invalid proto: %s", proto)
		}
	}
	var ip, hostPort, ctrPort string
	// An IPv6 host address is written in brackets: [::1]:80:80.
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 || len(rest) <= end+1 || rest[end+1] != ':' {
			return fmt.Errorf("invalid IP address: %s", rest)
		}
		ip = rest[1:end]
		parts := strings.Split(rest[end+2:], ":")
		if len(parts) != 2 {
			return fmt.Errorf("invalid port format for --publish: %s", spec)
		}
		hostPort, ctrPort = parts[0], parts[1]
	} else {
		parts := strings.Split(rest, ":")
		switch len(parts) {
		case 1:
			ctrPort = parts[0]
		case 2:
			hostPort, ctrPort = parts[0], parts[1]
		default:
			// Everything before the last two fields is the host address.
			n := len(parts)
			ip, hostPort, ctrPort = strings.Join(parts[:n-2], ":"), parts[n-2], parts[n-1]
		}
	}
	var addr netip.Addr
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return fmt.Errorf("invalid IP address: %s", ip)
		}
		addr = a
	}
	if ctrPort == "" {
		return fmt.Errorf("no port specified: %s<empty>", spec)
	}
	cStart, cEnd, err := parseRange(ctrPort)
	if err != nil {
		return fmt.Errorf("invalid containerPort: %s", ctrPort)
	}
	var hStart, hEnd uint64
	if hostPort != "" {
		if hStart, hEnd, err = parseRange(hostPort); err != nil {
			return fmt.Errorf("invalid hostPort: %s", hostPort)
		}
	}
	if hostPort != "" && (cEnd-cStart) != (hEnd-hStart) && cEnd != cStart {
		return fmt.Errorf("invalid ranges specified for container and host Ports: %s and %s", ctrPort, hostPort)
	}
	for i := uint64(0); i <= cEnd-cStart; i++ {
		p, ok := network.PortFrom(uint16(cStart+i), network.IPProtocol(proto))
		if !ok {
			return fmt.Errorf("invalid containerPort: %s", ctrPort)
		}
		hp := ""
		switch {
		case hostPort == "":
		case cEnd == cStart && hEnd != hStart:
			hp = fmt.Sprintf("%d-%d", hStart, hEnd)
		default:
			hp = strconv.FormatUint(hStart+i, 10)
		}
		exposed[p] = struct{}{}
		bindings[p] = append(bindings[p], network.PortBinding{HostIP: addr, HostPort: hp})
	}
	return nil
}

func parseRange(s string) (uint64, uint64, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	start, err := strconv.ParseUint(lo, 10, 16)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return start, start, nil
	}
	end, err := strconv.ParseUint(hi, 10, 16)
	if err != nil {
		return 0, 0, err
	}
	if end < start {
		return 0, 0, fmt.Errorf("invalid range %s", s)
	}
	return start, end, nil
}
