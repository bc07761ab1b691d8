package cli

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
)

func noContent(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }

func TestLifecycleVerbsPrintNamesAndErrors(t *testing.T) {
	f := newFakeDaemon(t)
	for _, p := range []string{"POST /containers/web/stop", "POST /containers/web/kill", "POST /containers/web/restart",
		"POST /containers/web/pause", "POST /containers/web/unpause", "DELETE /containers/web", "POST /containers/web/start"} {
		f.handle(p, noContent)
	}
	for _, p := range []string{"POST /containers/x/stop", "POST /containers/x/kill", "DELETE /containers/x", "POST /containers/x/start", "POST /containers/x/pause"} {
		f.handle(p, notFound("No such container: x"))
	}
	for _, verb := range []string{"stop", "kill", "restart", "pause", "unpause", "rm", "start"} {
		out, errOut, code := f.run("", verb, "web")
		if code != 0 || out != "web\n" || errOut != "" {
			t.Errorf("%s web: exit %d out %q err %q", verb, code, out, errOut)
		}
	}
	for _, verb := range []string{"stop", "kill", "rm", "pause"} {
		out, errOut, code := f.run("", verb, "x")
		if code != 1 || out != "" || errOut != "Error response from daemon: No such container: x\n" {
			t.Errorf("%s x: exit %d out %q err %q", verb, code, out, errOut)
		}
	}
	_, errOut, code := f.run("", "start", "x")
	if code != 1 || !strings.HasPrefix(errOut, "Error response from daemon: No such container: x\n") {
		t.Errorf("start x: exit %d err %q", code, errOut)
	}
	// rm -f of a missing container reports it but succeeds, as docker does.
	_, errOut, code = f.run("", "rm", "-f", "x")
	if code != 0 || errOut != "Error response from daemon: No such container: x\n" {
		t.Errorf("rm -f x: exit %d err %q", code, errOut)
	}
	f.run("", "stop", "-t", "3", "-s", "SIGINT", "web")
	if q := f.find("POST", "/containers/web/stop")[1].Query; !strings.Contains(q, "t=3") || !strings.Contains(q, "signal=SIGINT") {
		t.Errorf("stop query %q", q)
	}
	f.run("", "kill", "-s", "HUP", "web")
	if q := f.find("POST", "/containers/web/kill")[1].Query; !strings.Contains(q, "signal=HUP") {
		t.Errorf("kill query %q", q)
	}
	f.run("", "container", "rm", "-f", "-v", "web")
	if q := f.find("DELETE", "/containers/web")[1].Query; !strings.Contains(q, "force=1") || !strings.Contains(q, "v=1") {
		t.Errorf("rm query %q", q)
	}
}

func TestInspect(t *testing.T) {
	f := newFakeDaemon(t)
	raw := `{"Id":"abc","Name":"/web","State":{"Status":"exited","Running":false,"ExitCode":3},"Config":{"Image":"busybox","Env":["A=1"],"Labels":{"k":"v"}},"HostConfig":{"Memory":67108864}}`
	f.handle("GET /containers/web/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, raw)
	})
	f.handle("GET /containers/nosuch/json", notFound("No such container: nosuch"))
	f.handle("GET /images/nosuch/json", notFound("No such image: nosuch:latest"))
	f.handle("GET /containers/busybox/json", notFound("No such container: busybox"))
	f.handle("GET /images/busybox/json", jsonHandler(image.InspectResponse{ID: "sha256:1234", RepoTags: []string{"busybox:latest"}}))

	out, _, code := f.run("", "inspect", "web")
	if code != 0 || !strings.HasPrefix(out, "[\n    {\n        \"Id\": \"abc\",\n        \"Name\": \"/web\",") || !strings.HasSuffix(out, "}\n]\n") {
		t.Fatalf("inspect default output %q", out)
	}
	out, _, _ = f.run("", "inspect", "-f", "{{.State.ExitCode}} {{.Config.Image}} {{json .Config.Labels}} {{index .Config.Env 0}}", "web")
	if out != "3 busybox {\"k\":\"v\"} A=1\n" {
		t.Fatalf("inspect -f output %q", out)
	}
	out, _, _ = f.run("", "container", "inspect", "--format", "{{.HostConfig.Memory}}", "web")
	if out != "67108864\n" {
		t.Fatalf("container inspect output %q", out)
	}
	out, _, _ = f.run("", "inspect", "--format", "{{.ID}}", "busybox")
	if out != "sha256:1234\n" {
		t.Fatalf("inspect image fallback %q", out)
	}
	out, errOut, code := f.run("", "inspect", "web", "nosuch")
	if code != 1 || errOut != "Error: No such object: nosuch\n" || !strings.HasPrefix(out, "[\n") {
		t.Fatalf("inspect missing: exit %d err %q", code, errOut)
	}
	_, errOut, code = f.run("", "container", "inspect", "nosuch")
	if code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("container inspect missing: exit %d err %q", code, errOut)
	}
	_, errOut, code = f.run("", "inspect", "-f", "{{.State.ExitCode", "web")
	if code != 64 || !strings.HasPrefix(errOut, "template parsing error") {
		t.Fatalf("bad template: exit %d err %q", code, errOut)
	}
}

func TestLogsDemuxAndOptions(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("GET /containers/web/json", jsonHandler(container.InspectResponse{ID: "webid", Config: &container.Config{}}))
	f.handle("GET /containers/webid/logs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.docker.multiplexed-stream")
		frame(w, 1, "out line\n")
		frame(w, 2, "err line\n")
	})
	out, errOut, code := f.run("", "logs", "--tail", "5", "-t", "--since", "10m", "web")
	if code != 0 || out != "out line\n" || errOut != "err line\n" {
		t.Fatalf("logs: exit %d out %q err %q", code, out, errOut)
	}
	q := f.find("GET", "/containers/webid/logs")[0].Query
	for _, p := range []string{"tail=5", "timestamps=1", "stdout=1", "stderr=1", "since="} {
		if !strings.Contains(q, p) {
			t.Errorf("logs query %q lacks %s", q, p)
		}
	}
	f.handle("GET /containers/nosuch/json", notFound("No such container: nosuch"))
	_, errOut, code = f.run("", "logs", "nosuch")
	if code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("logs nosuch: exit %d err %q", code, errOut)
	}
}

func TestExecExitCodeAndStreams(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("POST /containers/web/exec", jsonHandler(map[string]string{"Id": "exec1"}))
	f.handle("POST /exec/exec1/start", hijack(false, func(in *bufio.Reader, out io.Writer) {
		frame(out, 1, "from exec\n")
		line, _ := in.ReadString('\n')
		frame(out, 2, "got "+line)
	}))
	f.handle("GET /exec/exec1/json", jsonHandler(map[string]any{"ID": "exec1", "Running": false, "ExitCode": 7}))
	out, errOut, code := f.run("input\n", "exec", "-i", "-e", "X=1", "-w", "/tmp", "-u", "nobody", "web", "sh", "-c", "exit 7")
	if code != 7 || out != "from exec\n" || errOut != "got input\n" {
		t.Fatalf("exec: exit %d out %q err %q", code, out, errOut)
	}
	body := string(f.find("POST", "/containers/web/exec")[0].Body)
	for _, s := range []string{`"AttachStdin":true`, `"Env":["X=1"]`, `"WorkingDir":"/tmp"`, `"User":"nobody"`, `"Cmd":["sh","-c","exit 7"]`} {
		if !strings.Contains(body, s) {
			t.Errorf("exec create body %s lacks %s", body, s)
		}
	}
	f.handle("POST /containers/nosuch/exec", notFound("No such container: nosuch"))
	_, errOut, code = f.run("", "exec", "nosuch", "true")
	if code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("exec nosuch: exit %d err %q", code, errOut)
	}
}

func TestWaitDiffTopRename(t *testing.T) {
	f := newFakeDaemon(t)
	f.handle("POST /containers/web/wait", jsonHandler(container.WaitResponse{StatusCode: 42}))
	f.handle("GET /containers/web/changes", jsonHandler([]container.FilesystemChange{
		{Kind: container.ChangeModify, Path: "/etc"}, {Kind: container.ChangeAdd, Path: "/etc/new"}, {Kind: container.ChangeDelete, Path: "/tmp/old"},
	}))
	f.handle("GET /containers/web/top", jsonHandler(container.TopResponse{Titles: []string{"UID", "PID", "CMD"}, Processes: [][]string{{"root", "1", "sleep 100"}}}))
	f.handle("POST /containers/web/rename", noContent)
	if out, _, code := f.run("", "wait", "web"); code != 0 || out != "42\n" {
		t.Errorf("wait: %d %q", code, out)
	}
	if out, _, _ := f.run("", "diff", "web"); out != "C /etc\nA /etc/new\nD /tmp/old\n" {
		t.Errorf("diff: %q", out)
	}
	if out, _, _ := f.run("", "top", "web"); out != "UID                 PID                 CMD\nroot                1                   sleep 100\n" {
		t.Errorf("top: %q", out)
	}
	if _, _, code := f.run("", "rename", "web", "api"); code != 0 || !strings.Contains(f.find("POST", "/containers/web/rename")[0].Query, "name=api") {
		t.Errorf("rename: %d", code)
	}
}

func TestStopRunsInParallel(t *testing.T) {
	f := newFakeDaemon(t)
	slow := func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.WriteHeader(http.StatusNoContent)
	}
	for _, n := range []string{"a", "b", "c", "d"} {
		f.handle("POST /containers/"+n+"/stop", slow)
	}
	start := time.Now()
	out, _, code := f.run("", "stop", "a", "b", "c", "d")
	if code != 0 || out != "a\nb\nc\nd\n" {
		t.Fatalf("stop: %d %q", code, out)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Fatalf("stopping 4 containers took %v: not parallel", d)
	}
}
