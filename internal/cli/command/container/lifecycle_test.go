package container_test

import (
	"bufio"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/internal/cli/clitest"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

func TestLifecycleVerbsPrintNamesAndErrors(t *testing.T) {
	f := clitest.New(t)
	for _, p := range []string{"POST /containers/web/stop", "POST /containers/web/kill", "POST /containers/web/restart",
		"POST /containers/web/pause", "POST /containers/web/unpause", "DELETE /containers/web", "POST /containers/web/start"} {
		f.Handle(p, clitest.NoContent)
	}
	for _, p := range []string{"POST /containers/x/stop", "POST /containers/x/kill", "DELETE /containers/x", "POST /containers/x/start", "POST /containers/x/pause"} {
		f.Handle(p, clitest.NotFound("No such container: x"))
	}
	for _, verb := range []string{"stop", "kill", "restart", "pause", "unpause", "rm", "start"} {
		out, errOut, code := f.Run("", verb, "web")
		if code != 0 || out != "web\n" || errOut != "" {
			t.Errorf("%s web: exit %d out %q err %q", verb, code, out, errOut)
		}
	}
	for _, verb := range []string{"stop", "kill", "rm", "pause"} {
		out, errOut, code := f.Run("", verb, "x")
		if code != 1 || out != "" || errOut != "Error response from daemon: No such container: x\n" {
			t.Errorf("%s x: exit %d out %q err %q", verb, code, out, errOut)
		}
	}
	_, errOut, code := f.Run("", "start", "x")
	if code != 1 || !strings.HasPrefix(errOut, "Error response from daemon: No such container: x\n") {
		t.Errorf("start x: exit %d err %q", code, errOut)
	}
	// rm -f of a missing container reports it but succeeds, as docker does.
	_, errOut, code = f.Run("", "rm", "-f", "x")
	if code != 0 || errOut != "Error response from daemon: No such container: x\n" {
		t.Errorf("rm -f x: exit %d err %q", code, errOut)
	}
	f.Run("", "stop", "-t", "3", "-s", "SIGINT", "web")
	if q := f.Find("POST", "/containers/web/stop")[1].Query; !strings.Contains(q, "t=3") || !strings.Contains(q, "signal=SIGINT") {
		t.Errorf("stop query %q", q)
	}
	f.Run("", "kill", "-s", "HUP", "web")
	if q := f.Find("POST", "/containers/web/kill")[1].Query; !strings.Contains(q, "signal=HUP") {
		t.Errorf("kill query %q", q)
	}
	f.Run("", "container", "rm", "-f", "-v", "web")
	if q := f.Find("DELETE", "/containers/web")[1].Query; !strings.Contains(q, "force=1") || !strings.Contains(q, "v=1") {
		t.Errorf("rm query %q", q)
	}
}

func TestLogsDemuxAndOptions(t *testing.T) {
	f := clitest.New(t)
	f.Handle("GET /containers/web/json", clitest.JSON(container.InspectResponse{ID: "webid", Config: &container.Config{}}))
	f.Handle("GET /containers/webid/logs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
		clitest.Frame(w, 1, "out line\n")
		clitest.Frame(w, 2, "err line\n")
	})
	out, errOut, code := f.Run("", "logs", "--tail", "5", "-t", "--since", "10m", "web")
	if code != 0 || out != "out line\n" || errOut != "err line\n" {
		t.Fatalf("logs: exit %d out %q err %q", code, out, errOut)
	}
	q := f.Find("GET", "/containers/webid/logs")[0].Query
	for _, p := range []string{"tail=5", "timestamps=1", "stdout=1", "stderr=1", "since="} {
		if !strings.Contains(q, p) {
			t.Errorf("logs query %q lacks %s", q, p)
		}
	}
	f.Handle("GET /containers/nosuch/json", clitest.NotFound("No such container: nosuch"))
	_, errOut, code = f.Run("", "logs", "nosuch")
	if code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("logs nosuch: exit %d err %q", code, errOut)
	}
}

func TestExecExitCodeAndStreams(t *testing.T) {
	f := clitest.New(t)
	f.Handle("POST /containers/web/exec", clitest.JSON(map[string]string{"Id": "exec1"}))
	f.Handle("POST /exec/exec1/start", clitest.Hijack(false, func(in *bufio.Reader, out io.Writer) {
		clitest.Frame(out, 1, "from exec\n")
		line, _ := in.ReadString('\n')
		clitest.Frame(out, 2, "got "+line)
	}))
	f.Handle("GET /exec/exec1/json", clitest.JSON(map[string]any{"ID": "exec1", "Running": false, "ExitCode": 7}))
	out, errOut, code := f.Run("input\n", "exec", "-i", "-e", "X=1", "-w", "/tmp", "-u", "nobody", "web", "sh", "-c", "exit 7")
	if code != 7 || out != "from exec\n" || errOut != "got input\n" {
		t.Fatalf("exec: exit %d out %q err %q", code, out, errOut)
	}
	body := string(f.Find("POST", "/containers/web/exec")[0].Body)
	for _, s := range []string{`"AttachStdin":true`, `"Env":["X=1"]`, `"WorkingDir":"/tmp"`, `"User":"nobody"`, `"Cmd":["sh","-c","exit 7"]`} {
		if !strings.Contains(body, s) {
			t.Errorf("exec create body %s lacks %s", body, s)
		}
	}
	f.Handle("POST /containers/nosuch/exec", clitest.NotFound("No such container: nosuch"))
	_, errOut, code = f.Run("", "exec", "nosuch", "true")
	if code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("exec nosuch: exit %d err %q", code, errOut)
	}
}

func TestWaitDiffTopRename(t *testing.T) {
	f := clitest.New(t)
	f.Handle("POST /containers/web/wait", clitest.JSON(container.WaitResponse{StatusCode: 42}))
	f.Handle("GET /containers/web/changes", clitest.JSON([]container.FilesystemChange{
		{Kind: container.ChangeModify, Path: "/etc"}, {Kind: container.ChangeAdd, Path: "/etc/new"}, {Kind: container.ChangeDelete, Path: "/tmp/old"},
	}))
	f.Handle("GET /containers/web/top", clitest.JSON(container.TopResponse{Titles: []string{"UID", "PID", "CMD"}, Processes: [][]string{{"root", "1", "sleep 100"}}}))
	f.Handle("POST /containers/web/rename", clitest.NoContent)
	if out, _, code := f.Run("", "wait", "web"); code != 0 || out != "42\n" {
		t.Errorf("wait: %d %q", code, out)
	}
	if out, _, _ := f.Run("", "diff", "web"); out != "C /etc\nA /etc/new\nD /tmp/old\n" {
		t.Errorf("diff: %q", out)
	}
	if out, _, _ := f.Run("", "top", "web"); out != "UID                 PID                 CMD\nroot                1                   sleep 100\n" {
		t.Errorf("top: %q", out)
	}
	if _, _, code := f.Run("", "rename", "web", "api"); code != 0 || !strings.Contains(f.Find("POST", "/containers/web/rename")[0].Query, "name=api") {
		t.Errorf("rename: %d", code)
	}
}

func TestStopRunsInParallel(t *testing.T) {
	f := clitest.New(t)
	slow := func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	}
	for _, n := range []string{"a", "b", "c", "d"} {
		f.Handle("POST /containers/"+n+"/stop", slow)
	}
	start := time.Now()
	out, _, code := f.Run("", "stop", "a", "b", "c", "d")
	if code != 0 || out != "a\nb\nc\nd\n" {
		t.Fatalf("stop: %d %q", code, out)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Fatalf("stopping 4 containers took %v: not parallel", d)
	}
}

func TestPortCommitExportUpdate(t *testing.T) {
	f := clitest.New(t)
	f.Handle("GET /containers/web/json", clitest.JSON(container.InspectResponse{ID: ctrID, NetworkSettings: &container.NetworkSettings{
		Ports: network.PortMap{
			network.MustParsePort("80/tcp"): {{HostIP: netip.MustParseAddr("0.0.0.0"), HostPort: "8080"}},
			network.MustParsePort("53/udp"): {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "5353"}},
		},
	}}))
	out, _, code := f.Run("", "port", "web")
	if code != 0 || out != "53/udp -> 127.0.0.1:5353\n80/tcp -> 0.0.0.0:8080\n" {
		t.Fatalf("port: %d %q", code, out)
	}
	f.WantOut(t, "0.0.0.0:8080\n", "port", "web", "80")
	_, errOut, code := f.Run("", "port", "web", "443")
	if code != 1 || errOut != "Error: No public port '443/tcp' published for web\n" {
		t.Fatalf("port 443: %d %q", code, errOut)
	}

	f.Handle("POST /commit", clitest.JSON(map[string]string{"Id": "sha256:newimage"}))
	out, _, code = f.Run("", "commit", "-m", "msg", "-a", "me", "-c", "ENV X=1", "-p=false", "web", "snap:v1")
	if code != 0 || out != "sha256:newimage\n" {
		t.Fatalf("commit: %d %q", code, out)
	}
	q := f.Find("POST", "/commit")[0].Query
	for _, s := range []string{"container=web", "repo=docker.io%2Flibrary%2Fsnap", "tag=v1", "comment=msg", "author=me", "pause=0", "changes=ENV"} {
		if !strings.Contains(q, s) {
			t.Errorf("commit query %q lacks %s", q, s)
		}
	}

	f.Handle("GET /containers/web/export", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ROOTFS") })
	dst := filepath.Join(t.TempDir(), "fs.tar")
	if _, _, code := f.Run("", "export", "-o", dst, "web"); code != 0 {
		t.Fatalf("export exit %d", code)
	}
	if b, _ := os.ReadFile(dst); string(b) != "ROOTFS" {
		t.Fatalf("exported %q", b)
	}

	f.Handle("POST /containers/web/update", clitest.JSON(container.UpdateResponse{}))
	out, _, code = f.Run("", "update", "-m", "128m", "--cpus", "1", "--restart", "always", "web")
	if code != 0 || out != "web\n" {
		t.Fatalf("update: %d %q", code, out)
	}
	body := string(f.Find("POST", "/containers/web/update")[0].Body)
	for _, s := range []string{`"Memory":134217728`, `"NanoCpus":1000000000`, `"Name":"always"`} {
		if !strings.Contains(body, s) {
			t.Errorf("update body %s lacks %s", body, s)
		}
	}
}
