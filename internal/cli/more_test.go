package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

func TestStartAttachExitCode(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("GET /containers/web/json", jsonHandler(container.InspectResponse{ID: ctrID, Config: &container.Config{}, State: &container.State{}}))
	started := make(chan struct{})
	f.handle("POST /containers/"+ctrID+"/attach", hijack(false, func(in *bufio.Reader, out io.Writer) {
		select {
		case <-started:
		case <-f.closing:
			return
		}
		frame(out, 1, "again\n")
	}))
	f.handle("POST /containers/"+ctrID+"/wait", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-started:
		case <-f.closing:
			return
		}
		json.NewEncoder(w).Encode(container.WaitResponse{StatusCode: 5})
	})
	f.handle("POST /containers/"+ctrID+"/start", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		w.WriteHeader(http.StatusNoContent)
	})
	out, errOut, code := f.run("", "start", "-a", "web")
	if code != 5 || out != "again\n" {
		t.Fatalf("start -a: exit %d out %q err %q", code, out, errOut)
	}
}

func TestAttachRefusesStoppedContainer(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("GET /containers/web/json", jsonHandler(container.InspectResponse{ID: ctrID, Config: &container.Config{}, State: &container.State{Status: "exited"}}))
	_, errOut, code := f.run("", "attach", "web")
	if code != 1 || errOut != "You cannot attach to a stopped container, start it first\n" {
		t.Fatalf("attach: exit %d err %q", code, errOut)
	}
}

func TestPortCommitExportUpdate(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("GET /containers/web/json", jsonHandler(container.InspectResponse{ID: ctrID, NetworkSettings: &container.NetworkSettings{
		Ports: network.PortMap{
			network.MustParsePort("80/tcp"): {{HostIP: netip.MustParseAddr("0.0.0.0"), HostPort: "8080"}},
			network.MustParsePort("53/udp"): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "5353"}},
		},
	}}))
	out, _, code := f.run("", "port", "web")
	if code != 0 || out != "53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:8080\n" {
		t.Fatalf("port: %d %q", code, out)
	}
	out, _, _ = f.run("", "port", "web", "80")
	if out != "0.0.0.0:8080\n" {
		t.Fatalf("port 80: %q", out)
	}
	_, errOut, code := f.run("", "port", "web", "443")
	if code != 1 || errOut != "Error: No public port '443/tcp' published for web\n" {
		t.Fatalf("port 443: %d %q", code, errOut)
	}

	f.handle("POST /commit", jsonHandler(map[string]string{"Id": "sha256:newimage"}))
	out, _, code = f.run("", "commit", "-m", "msg", "-a", "me", "-c", "ENV X=1", "-p=false", "web", "snap:v1")
	if code != 0 || out != "sha256:newimage\n" {
		t.Fatalf("commit: %d %q", code, out)
	}
	q := f.find("POST", "/commit")[0].Query
	for _, s := range []string{"container=web", "repo=docker.io%2Flibrary%2Fsnap", "tag=v1", "comment=msg", "author=me", "pause=0", "changes=ENV"} {
		if !strings.Contains(q, s) {
			t.Errorf("commit query %q lacks %s", q, s)
		}
	}

	f.handle("GET /containers/web/export", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ROOTFS") })
	dst := filepath.Join(t.TempDir(), "fs.tar")
	if _, _, code := f.run("", "export", "-o", dst, "web"); code != 0 {
		t.Fatalf("export exit %d", code)
	}
	if b, _ := os.ReadFile(dst); string(b) != "ROOTFS" {
		t.Fatalf("exported %q", b)
	}

	f.handle("POST /containers/web/update", jsonHandler(container.UpdateResponse{}))
	out, _, code = f.run("", "update", "-m", "128m", "--cpus", "1", "--restart", "always", "web")
	if code != 0 || out != "web\n" {
		t.Fatalf("update: %d %q", code, out)
	}
	body := string(f.find("POST", "/containers/web/update")[0].Body)
	for _, s := range []string{`"Memory":134217728`, `"NanoCpus":1000000000`, `"Name":"always"`} {
		if !strings.Contains(body, s) {
			t.Errorf("update body %s lacks %s", body, s)
		}
	}
}

func TestEvents(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"Type":"container","Action":"start","Actor":{"ID":"abc","Attributes":{"name":"web","image":"busybox"}},"time":1,"timeNano":1000000000}`+"\n")
	})
	out, _, code := f.run("", "events", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
	if code != 0 || out != "container start web\n" {
		t.Fatalf("events: %d %q", code, out)
	}
	out, _, _ = f.run("", "events")
	if !strings.HasSuffix(out, " container start abc (image=busybox, name=web)\n") {
		t.Fatalf("events default: %q", out)
	}
}
