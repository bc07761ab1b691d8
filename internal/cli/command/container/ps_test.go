package container

import (
	"net/netip"
	"testing"

	"github.com/moby/moby/api/types/container"
)

func TestDisplayPorts(t *testing.T) {
	any4 := netip.MustParseAddr("0.0.0.0")
	any6 := netip.MustParseAddr("::")
	cases := []struct {
		ports []container.PortSummary
		want  string
	}{
		{nil, ""},
		{[]container.PortSummary{{PrivatePort: 80, Type: "tcp"}}, "80/tcp"},
		{[]container.PortSummary{{PrivatePort: 80, Type: "tcp"}, {PrivatePort: 81, Type: "tcp"}, {PrivatePort: 82, Type: "tcp"}}, "80-82/tcp"},
		{[]container.PortSummary{{IP: any4, PrivatePort: 80, PublicPort: 8080, Type: "tcp"}, {IP: any6, PrivatePort: 80, PublicPort: 8080, Type: "tcp"}},
			"0.0.0.0:8080->80/tcp, [::]:8080->80/tcp"},
		{[]container.PortSummary{{IP: any4, PrivatePort: 53, PublicPort: 53, Type: "udp"}}, "0.0.0.0:53->53/udp"},
	}
	for _, c := range cases {
		if got := DisplayPorts(c.ports); got != c.want {
			t.Errorf("DisplayPorts(%v) = %q, want %q", c.ports, got, c.want)
		}
	}
}
