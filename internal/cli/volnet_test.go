package cli

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"
)

func TestVolumeCommands(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("POST /volumes/create", jsonHandler(volume.Volume{Name: "data", Driver: "local"}))
	f.handle("GET /volumes", jsonHandler(volume.ListResponse{Volumes: []volume.Volume{{Name: "data", Driver: "local"}, {Name: "cache", Driver: "local"}}}))
	f.handle("DELETE /volumes/data", noContent)
	f.handle("DELETE /volumes/nosuch", notFound("get nosuch: no such volume"))
	f.handle("POST /volumes/prune", jsonHandler(volume.PruneReport{VolumesDeleted: []string{"anon1"}, SpaceReclaimed: 0}))

	if out, _, code := f.run("", "volume", "create", "--label", "a=b", "data"); code != 0 || out != "data\n" {
		t.Fatalf("volume create: %d %q", code, out)
	}
	if body := string(f.find("POST", "/volumes/create")[0].Body); !strings.Contains(body, `"Name":"data"`) || !strings.Contains(body, `"a":"b"`) {
		t.Fatalf("volume create body %s", body)
	}
	if out, _, _ := f.run("", "volume", "ls"); out != "DRIVER    VOLUME NAME\nlocal     data\nlocal     cache\n" {
		t.Fatalf("volume ls %q", out)
	}
	if out, _, _ := f.run("", "volume", "ls", "-q"); out != "data\ncache\n" {
		t.Fatalf("volume ls -q %q", out)
	}
	out, errOut, code := f.run("", "volume", "rm", "data", "nosuch")
	if code != 1 || out != "data\n" || errOut != "Error response from daemon: get nosuch: no such volume\n" {
		t.Fatalf("volume rm: %d %q %q", code, out, errOut)
	}
	if out, _, _ := f.run("", "volume", "prune", "-f"); out != "Deleted Volumes:\nanon1\n\nTotal reclaimed space: 0B\n" {
		t.Fatalf("volume prune %q", out)
	}
}

func TestNetworkCommands(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("POST /networks/create", jsonHandler(network.CreateResponse{ID: "0123456789abcdef0123"}))
	f.handle("GET /networks", jsonHandler([]network.Summary{{Network: network.Network{ID: "0123456789abcdef0123", Name: "appnet", Driver: "bridge", Scope: "local"}}}))
	f.handle("DELETE /networks/appnet", noContent)
	f.handle("GET /networks/appnet", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"Name":"appnet","Id":"0123456789abcdef0123","Driver":"bridge"}`)
	})
	if out, _, code := f.run("", "network", "create", "--subnet", "10.9.0.0/24", "--gateway", "10.9.0.1", "--internal", "appnet"); code != 0 || out != "0123456789abcdef0123\n" {
		t.Fatalf("network create: %d %q", code, out)
	}
	body := string(f.find("POST", "/networks/create")[0].Body)
	for _, s := range []string{`"Name":"appnet"`, `"Driver":"bridge"`, `"Internal":true`, `"Subnet":"10.9.0.0/24"`, `"Gateway":"10.9.0.1"`} {
		if !strings.Contains(body, s) {
			t.Errorf("network create body %s lacks %s", body, s)
		}
	}
	if out, _, _ := f.run("", "network", "ls"); out != "NETWORK ID     NAME      DRIVER    SCOPE\n0123456789ab   appnet    bridge    local\n" {
		t.Fatalf("network ls %q", out)
	}
	if out, _, _ := f.run("", "network", "inspect", "-f", "{{.Driver}}", "appnet"); out != "bridge\n" {
		t.Fatalf("network inspect %q", out)
	}
	if out, _, code := f.run("", "network", "rm", "appnet"); code != 0 || out != "appnet\n" {
		t.Fatalf("network rm: %d %q", code, out)
	}
	if _, _, code := f.run("", "network", "create", "--gateway", "10.0.0.1", "x"); code != 1 {
		t.Fatalf("gateway without subnet accepted: %d", code)
	}
}

func TestPull(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("POST /images/create", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"Pulling from library/busybox","id":"latest"}`+"\n"+`{"status":"Status: Downloaded newer image for busybox:latest"}`+"\n")
	})
	out, errOut, code := f.run("", "pull", "busybox")
	if code != 0 || !strings.HasSuffix(out, "Status: Downloaded newer image for busybox:latest\ndocker.io/library/busybox:latest\n") {
		t.Fatalf("pull: %d %q %q", code, out, errOut)
	}
	if q := f.find("POST", "/images/create")[0].Query; !strings.Contains(q, "fromImage=docker.io%2Flibrary%2Fbusybox") || !strings.Contains(q, "tag=latest") {
		t.Fatalf("pull query %q", q)
	}
}
