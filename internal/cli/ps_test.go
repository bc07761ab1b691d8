package cli

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
)

func TestPsTable(t *testing.T) {
	f := newFakeDaemon(t)
	now := time.Now().Unix()
	f.handle("GET /containers/json", jsonHandler([]container.Summary{
		{ID: "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e", Names: []string{"/web"},
			Image: "busybox:latest", ImageID: "sha256:aaa", Command: "sh -c 'while true; do sleep 1; done'",
			Created: now - 120, State: container.StateRunning, Status: "Up 2 minutes",
			Ports: []container.PortSummary{{IP: netip.MustParseAddr("0.0.0.0"), PrivatePort: 80, PublicPort: 8080, Type: "tcp"}}},
	}))
	out, errOut, code := f.run("", "ps")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "CONTAINER ID   IMAGE            COMMAND                  CREATED         STATUS         PORTS                  NAMES\n" +
		"3f4e5d6c7b8a   busybox:latest   \"sh -c 'while true; …\"   2 minutes ago   Up 2 minutes   0.0.0.0:8080->80/tcp   web\n"
	if out != want {
		t.Fatalf("ps output:\n%q\nwant:\n%q", out, want)
	}
	if q := f.find("GET", "/containers/json"); len(q) != 1 || strings.Contains(q[0].Query, "all=1") {
		t.Fatalf("ps sent %+v", q)
	}
}

func TestPsQuietAllFilterFormat(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("GET /containers/json", jsonHandler([]container.Summary{
		{ID: "0123456789abcdef0123", Names: []string{"/a"}, Image: "x", State: container.StateExited, Status: "Exited (0) 2 minutes ago"},
		{ID: "fedcba9876543210fedc", Names: []string{"/b"}, Image: "y", State: container.StateCreated, Status: "Created"},
	}))
	out, _, code := f.run("", "ps", "-a", "-q", "--filter", "status=exited")
	if code != 0 || out != "0123456789ab\nfedcba987654\n" {
		t.Fatalf("ps -q: %d %q", code, out)
	}
	q := f.find("GET", "/containers/json")[0].Query
	if !strings.Contains(q, "all=1") || !strings.Contains(q, "exited") {
		t.Fatalf("query %q lacks all/filter", q)
	}
	out, _, _ = f.run("", "ps", "-a", "--format", "{{.Names}}\t{{.Status}}")
	if out != "a\tExited (0) 2 minutes ago\nb\tCreated\n" {
		t.Fatalf("format output %q", out)
	}
	out, _, _ = f.run("", "ps", "-a", "--format", "table {{.Names}}\t{{upper .State}}")
	if out != "NAMES     STATE\na         EXITED\nb         CREATED\n" {
		t.Fatalf("table format output %q", out)
	}
	out, _, _ = f.run("", "ps", "-a", "--no-trunc", "--format", "{{.ID}}")
	if out != "0123456789abcdef0123\nfedcba9876543210fedc\n" {
		t.Fatalf("no-trunc output %q", out)
	}
	out, _, _ = f.run("", "container", "ls", "-n", "1", "--format", "{{json .Names}}")
	if out != "\"a\"\n\"b\"\n" {
		t.Fatalf("container ls output %q", out)
	}
	if q := f.find("GET", "/containers/json"); !strings.Contains(q[len(q)-1].Query, "limit=1") {
		t.Fatalf("-n 1 not sent: %q", q[len(q)-1].Query)
	}
}

func TestPsBadTemplate(t *testing.T) {
	f := newFakeDaemon(t)
	_, errOut, code := f.run("", "ps", "--format", "{{.ID")
	if code != 1 || !strings.HasPrefix(errOut, "template parsing error: ") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	if len(f.find("GET", "/containers/json")) != 0 {
		t.Fatal("listed containers despite a bad template")
	}
}

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
		if got := displayPorts(c.ports); got != c.want {
			t.Errorf("displayPorts(%v) = %q, want %q", c.ports, got, c.want)
		}
	}
}
