package opts

import (
	"fmt"
	"net/netip"
	"strings"
)

// ValidateExtraHost checks an --add-host value, "name:ip" or "name=ip"
// (the ip may be in brackets, or "host-gateway"), and returns it as the
// API carries it, "name:ip", as the docker CLI does.
func ValidateExtraHost(val string) (string, error) {
	name, ip, ok := strings.Cut(val, "=")
	if !ok {
		name, ip, ok = strings.Cut(val, ":")
	}
	if !ok || name == "" || strings.Contains(name, ":") {
		return "", fmt.Errorf("bad format for add-host: %q", val)
	}
	if ip != "host-gateway" {
		if len(ip) > 2 && ip[0] == '[' && ip[len(ip)-1] == ']' {
			ip = ip[1 : len(ip)-1]
		}
		if _, err := netip.ParseAddr(ip); err != nil {
			return "", fmt.Errorf("invalid IP address in add-host: %q", ip)
		}
	}
	return name + ":" + ip, nil
}
