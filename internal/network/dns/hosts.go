package dns

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// HostGateway is the --add-host value replaced by the host's gateway
// address (the default bridge's gateway, or the daemon's host-gateway-ip).
const HostGateway = "host-gateway"

// HostEntry is one line of a hosts file: an address and its names.
type HostEntry struct {
	Addr  netip.Addr
	Names []string
}

// ParseExtraHost parses an --add-host value, "name:ip" or "name=ip" (the ip
// may be in brackets), as the docker CLI sends it. HostGateway as the ip
// becomes gateway; an invalid gateway then is an error.
func ParseExtraHost(s string, gateway netip.Addr) (HostEntry, error) {
	name, ip, ok := strings.Cut(s, "=")
	if !ok {
		name, ip, ok = strings.Cut(s, ":")
	}
	if !ok || name == "" || strings.Contains(name, ":") || strings.ContainsAny(name, " \t\n#") {
		return HostEntry{}, fmt.Errorf("bad format for add-host: %q", s)
	}
	if ip == HostGateway {
		if !gateway.IsValid() {
			return HostEntry{}, errors.New("unable to derive the IP value for host-gateway")
		}
		return HostEntry{Addr: gateway, Names: []string{name}}, nil
	}
	if len(ip) > 2 && ip[0] == '[' && ip[len(ip)-1] == ']' {
		ip = ip[1 : len(ip)-1]
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return HostEntry{}, fmt.Errorf("invalid IP address in add-host: %q", ip)
	}
	return HostEntry{Addr: a, Names: []string{name}}, nil
}

// LinkEntry returns the hosts line of a legacy link (--link name:alias) to
// a container with the given name (no leading slash), hostname and
// address, as Docker writes it: "addr alias hostname [name]".
func LinkEntry(alias, name, hostname string, addr netip.Addr) HostEntry {
	names := []string{alias}
	if hostname != "" && hostname != alias {
		names = append(names, hostname)
	}
	if name != alias && name != hostname {
		names = append(names, name)
	}
	return HostEntry{Addr: addr, Names: names}
}

// HostsConfig describes a container's /etc/hosts.
type HostsConfig struct {
	Hostname   string
	Domainname string
	// Addrs are the container's own addresses; each gets a line with the
	// hostname (and hostname.domainname) and Aliases. None: no such line
	// (--network none).
	Addrs   []netip.Addr
	Aliases []string
	// Extra lines, in order: --add-host entries, then links.
	Extra []HostEntry
}

// defaultHosts are the first lines of every hosts file, as Docker's.
const defaultHosts = "127.0.0.1\tlocalhost\n" +
	"::1\tlocalhost ip6-localhost ip6-loopback\n" +
	"fe00::0\tip6-localnet\n" +
	"ff00::0\tip6-mcastprefix\n" +
	"ff02::1\tip6-allnodes\n" +
	"ff02::2\tip6-allrouters\n"

// Hosts returns the content of a container's /etc/hosts: the localhost
// lines, the Extra lines, then the container's own lines.
func Hosts(c HostsConfig) []byte {
	var b strings.Builder
	b.WriteString(defaultHosts)
	for _, e := range c.Extra {
		writeEntry(&b, e)
	}
	var own []string
	if c.Hostname != "" {
		if c.Domainname != "" {
			own = append(own, c.Hostname+"."+c.Domainname)
		}
		own = append(own, c.Hostname)
	}
	for _, a := range c.Aliases {
		if a != "" && !slices.Contains(own, a) {
			own = append(own, a)
		}
	}
	if len(own) > 0 {
		for _, a := range c.Addrs {
			writeEntry(&b, HostEntry{Addr: a, Names: own})
		}
	}
	return []byte(b.String())
}

// AppendHosts returns base (the host's own hosts file, for --network host)
// followed by extra lines.
func AppendHosts(base []byte, extra []HostEntry) []byte {
	var b strings.Builder
	b.Write(base)
	if len(base) > 0 && base[len(base)-1] != '\n' {
		b.WriteByte('\n')
	}
	for _, e := range extra {
		writeEntry(&b, e)
	}
	return []byte(b.String())
}

func writeEntry(b *strings.Builder, e HostEntry) {
	b.WriteString(e.Addr.String())
	b.WriteByte('\t')
	b.WriteString(strings.Join(e.Names, " "))
	b.WriteByte('\n')
}
