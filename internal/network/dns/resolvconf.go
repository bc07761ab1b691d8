package dns

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
)

// ResolvConf is what berth reads from and writes to a resolv.conf.
type ResolvConf struct {
	Nameservers []netip.Addr
	Search      []string
	Options     []string
}

// ParseResolvConf reads nameserver, search (or domain) and options lines;
// anything else is dropped.
func ParseResolvConf(data []byte) ResolvConf {
	var rc ResolvConf
	var domain []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			if a, err := netip.ParseAddr(f[1]); err == nil {
				rc.Nameservers = append(rc.Nameservers, a)
			}
		case "search":
			rc.Search, domain = f[1:], nil // the last of search/domain wins
		case "domain":
			domain, rc.Search = f[1:2], nil
		case "options":
			rc.Options = append(rc.Options, f[1:]...)
		}
	}
	if rc.Search == nil {
		rc.Search = domain
	}
	return rc
}

// Bytes formats rc as a resolv.conf.
func (rc ResolvConf) Bytes() []byte {
	var b strings.Builder
	for _, n := range rc.Nameservers {
		b.WriteString("nameserver " + n.String() + "\n")
	}
	if len(rc.Search) > 0 {
		b.WriteString("search " + strings.Join(rc.Search, " ") + "\n")
	}
	if len(rc.Options) > 0 {
		b.WriteString("options " + strings.Join(rc.Options, " ") + "\n")
	}
	return []byte(b.String())
}

// Upstreams returns the name servers of rc on port 53, loopback ones
// included: the embedded server forwards from the daemon's namespace, where
// they are reachable.
func (rc ResolvConf) Upstreams() []netip.AddrPort {
	var up []netip.AddrPort
	for _, n := range rc.Nameservers {
		up = append(up, netip.AddrPortFrom(n, 53))
	}
	return up
}

// Mode says which resolv.conf a container gets.
type Mode int

const (
	// Private is a container with its own namespace and no embedded server
	// (the default bridge, none): the host's name servers minus loopback
	// ones, which that namespace cannot reach. When none is left the file
	// has no nameserver line: berth never falls back to public resolvers.
	Private Mode = iota
	// HostNetwork is a container in the host's namespace: the host's name
	// servers as they are.
	HostNetwork
	// Embedded is a container on a user network: "nameserver 127.0.0.11",
	// the embedded server forwarding to the host's servers (or --dns).
	Embedded
)

// Overrides are a container's --dns, --dns-search and --dns-option (or the
// daemon's defaults); each non-empty one replaces the host's, as given
// (a loopback --dns is kept). Search ["."] means no search domain.
type Overrides struct {
	Nameservers []netip.Addr
	Search      []string
	Options     []string
}

// ContainerResolvConf returns the resolv.conf of a container in mode, from
// the host's and the overrides, and the upstreams its embedded server must
// forward to (Embedded mode; nil otherwise).
func ContainerResolvConf(host ResolvConf, mode Mode, o Overrides) (file []byte, upstreams []netip.AddrPort) {
	rc := ResolvConf{Search: host.Search, Options: host.Options}
	ns := host.Nameservers
	if len(o.Nameservers) > 0 {
		ns = o.Nameservers
	}
	switch mode {
	case HostNetwork:
		rc.Nameservers = ns
	case Embedded:
		rc.Nameservers = []netip.Addr{ListenAddr.Addr()}
		upstreams = ResolvConf{Nameservers: ns}.Upstreams()
	default:
		if len(o.Nameservers) > 0 {
			rc.Nameservers = ns // asked for: kept as given
			break
		}
		for _, n := range ns {
			if !n.IsLoopback() {
				rc.Nameservers = append(rc.Nameservers, n)
			}
		}
	}
	if len(o.Search) > 0 {
		rc.Search = o.Search
		if len(o.Search) == 1 && o.Search[0] == "." {
			rc.Search = nil
		}
	}
	if len(o.Options) > 0 {
		rc.Options = o.Options
	}
	if mode == Embedded && !hasNdots(rc.Options) {
		// As Docker: names without a dot are container names, asked as
		// they are before any search domain.
		rc.Options = append(append([]string(nil), rc.Options...), "ndots:0")
	}
	return rc.Bytes(), upstreams
}

func hasNdots(opts []string) bool {
	for _, o := range opts {
		if strings.HasPrefix(o, "ndots:") {
			return true
		}
	}
	return false
}
