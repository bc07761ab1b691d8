package network_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/network"
)

func TestNetworkCommands(t *testing.T) {
	f := clitest.New(t)
	f.Handle("POST /networks/create", clitest.JSON(network.CreateResponse{ID: "0123456789abcdef0123"}))
	f.Handle("GET /networks", clitest.JSON([]network.Summary{{Network: network.Network{ID: "0123456789abcdef0123", Name: "appnet", Driver: "bridge", Scope: "local"}}}))
	f.Handle("DELETE /networks/appnet", clitest.NoContent)
	f.Handle("GET /networks/appnet", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"Name":"appnet","Id":"0123456789abcdef0123","Driver":"bridge"}`)
	})
	if out, _, code := f.Run("", "network", "create", "--subnet", "10.9.0.0/24", "--gateway", "10.9.0.1", "--internal", "appnet"); code != 0 || out != "0123456789abcdef0123\n" {
		t.Fatalf("network create: %d %q", code, out)
	}
	body := string(f.Find("POST", "/networks/create")[0].Body)
	for _, s := range []string{`"Name":"appnet"`, `"Driver":"bridge"`, `"Internal":true`, `"Subnet":"10.9.0.0/24"`, `"Gateway":"10.9.0.1"`} {
		if !strings.Contains(body, s) {
			t.Errorf("network create body %s lacks %s", body, s)
		}
	}
	f.WantOut(t, "NETWORK ID     NAME      DRIVER    SCOPE\n0123456789ab   appnet    bridge    local\n", "network", "ls")
	f.WantOut(t, "bridge\n", "network", "inspect", "-f", "{{.Driver}}", "appnet")
	if out, _, code := f.Run("", "network", "rm", "appnet"); code != 0 || out != "appnet\n" {
		t.Fatalf("network rm: %d %q", code, out)
	}
	if _, _, code := f.Run("", "network", "create", "--gateway", "10.0.0.1", "x"); code != 1 {
		t.Fatalf("gateway without subnet accepted: %d", code)
	}
}
