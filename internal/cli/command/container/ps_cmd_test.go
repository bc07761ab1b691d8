package container_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/container"
)

func TestPsTable(t *testing.T) {
	f := clitest.New(t)
	now := time.Now().Unix()
	f.Handle("GET /containers/json", clitest.JSON([]container.Summary{
		{ID: "3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f4e", Names: []string{"/web"},
			Image: "busybox:latest", ImageID: "sha256:aaa", Command: "sh -c 'while true; do sleep 1; done'",
			Created: now - 120, State: container.StateRunning, Status: "Up 2 minutes",
			Ports: []container.PortSummary{{IP: netip.MustParseAddr("0.0.0.0"), PrivatePort: 80, PublicPort: 8080, Type: "tcp"}}},
	}))
	f.WantOut(t, "CONTAINER ID   IMAGE            COMMAND                  CREATED         STATUS         PORTS                  NAMES\n"+
		"3f4e5d6c7b8a   busybox:latest   \"sh -c 'while true; …\"   2 minutes ago   Up 2 minutes   0.0.0.0:8080->80/tcp   web\n", "ps")
	if q := f.Find("GET", "/containers/json"); len(q) != 1 || strings.Contains(q[0].Query, "all=1") {
		t.Fatalf("ps sent %+v", q)
	}
}

func TestPsQuietAllFilterFormat(t *testing.T) {
	f := clitest.New(t)
	f.Handle("GET /containers/json", clitest.JSON([]container.Summary{
		{ID: "0123456789abcdef0123", Names: []string{"/a"}, Image: "x", State: container.StateExited, Status: "Exited (0) 2 minutes ago"},
		{ID: "fedcba9876543210fedc", Names: []string{"/b"}, Image: "y", State: container.StateCreated, Status: "Created"},
	}))
	out, _, code := f.Run("", "ps", "-a", "-q", "--filter", "status=exited")
	if code != 0 || out != "0123456789ab\nfedcba987654\n" {
		t.Fatalf("ps -q: %d %q", code, out)
	}
	q := f.Find("GET", "/containers/json")[0].Query
	if !strings.Contains(q, "all=1") || !strings.Contains(q, "exited") {
		t.Fatalf("query %q lacks all/filter", q)
	}
	f.WantOut(t, "a\tExited (0) 2 minutes ago\nb\tCreated\n", "ps", "-a", "--format", "{{.Names}}\t{{.Status}}")
	f.WantOut(t, "NAMES     STATE\na         EXITED\nb         CREATED\n", "ps", "-a", "--format", "table {{.Names}}\t{{upper .State}}")
	f.WantOut(t, "0123456789abcdef0123\nfedcba9876543210fedc\n", "ps", "-a", "--no-trunc", "--format", "{{.ID}}")
	f.WantOut(t, "\"a\"\n\"b\"\n", "container", "ls", "-n", "1", "--format", "{{json .Names}}")
	if q := f.Find("GET", "/containers/json"); !strings.Contains(q[len(q)-1].Query, "limit=1") {
		t.Fatalf("-n 1 not sent: %q", q[len(q)-1].Query)
	}
}

func TestPsBadTemplate(t *testing.T) {
	f := clitest.New(t)
	_, errOut, code := f.Run("", "ps", "--format", "{{.ID")
	if code != 1 || !strings.HasPrefix(errOut, "template parsing error: ") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	if len(f.Find("GET", "/containers/json")) != 0 {
		t.Fatal("listed containers despite a bad template")
	}
}
