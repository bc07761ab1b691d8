package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// rawGet sends a raw HTTP request to the daemon's socket.
func (d *testDaemon) raw(method, path string, body string) (int, http.Header, string) {
	d.t.Helper()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", d.sock)
	}}}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://berth"+path, rd)
	if err != nil {
		d.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

func TestSystemEndpoints(t *testing.T) {
	d := startDaemon(t)
	code, h, body := d.raw("GET", "/_ping", "")
	if code != 200 || body != "OK" || h.Get("Api-Version") == "" || h.Get("Ostype") != "linux" || h.Get("Docker-Experimental") == "" {
		t.Fatalf("ping: %d %q %v", code, body, h)
	}
	if code, _, _ := d.raw("HEAD", "/_ping", ""); code != 200 {
		t.Fatalf("HEAD ping: %d", code)
	}
	code, _, body = d.raw("GET", "/v1.99/version", "")
	if code != 400 || !strings.Contains(body, "client version 1.99 is too new. Maximum supported API version is") {
		t.Fatalf("too new: %d %s", code, body)
	}
	code, _, body = d.raw("GET", "/v1.12/version", "")
	if code != 400 || !strings.Contains(body, "is too old. Minimum supported API version is 1.24") {
		t.Fatalf("too old: %d %s", code, body)
	}
	ctx := context.Background()
	v, err := d.client.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil || v.MinAPIVersion != "1.24" || v.APIVersion == "" {
		t.Fatalf("version: %+v %v", v, err)
	}
	info, err := d.client.Info(ctx, client.InfoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Info.Driver == "" || info.Info.DockerRootDir != d.root || info.Info.Runtimes["runc"].Path != "runc" {
		t.Fatalf("info: driver %q root %q runtimes %v", info.Info.Driver, info.Info.DockerRootDir, info.Info.Runtimes)
	}
}

func runToExit(t *testing.T, d *testDaemon, cfg *container.Config, hc *container.HostConfig) (string, int64, string, string) {
	t.Helper()
	ctx := context.Background()
	cr, err := d.client.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: hc})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	wait := d.client.ContainerWait(ctx, cr.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := d.client.ContainerStart(ctx, cr.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start: %v", err)
	}
	var code int64
	select {
	case r := <-wait.Result:
		code = r.StatusCode
	case err := <-wait.Error:
		t.Fatalf("wait: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("wait timed out")
	}
	logs, err := d.client.ContainerLogs(ctx, cr.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	var out, errb bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errb, logs); err != nil {
		t.Fatal(err)
	}
	return cr.ID, code, out.String(), errb.String()
}

func TestContainerLifecycleAPI(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	ctx := context.Background()

	id, code, out, errOut := runToExit(t, d, &container.Config{Image: "busybox", Cmd: []string{"sh", "-c", "echo out; echo err >&2; hostname; exit 3"}}, nil)
	if code != 3 || out != "out\n"+id[:12]+"\n" || errOut != "err\n" {
		t.Fatalf("code %d out %q err %q", code, out, errOut)
	}
	ins, err := d.client.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := ins.Container
	if c.State.Status != "exited" || c.State.ExitCode != 3 || c.Path != "sh" || c.Config.Hostname != id[:12] || !strings.HasPrefix(c.Name, "/") || c.HostConfig.NetworkMode != "bridge" {
		t.Fatalf("inspect: state %+v path %q name %q net %q", c.State, c.Path, c.Name, c.HostConfig.NetworkMode)
	}
	if _, err := d.client.ContainerRemove(ctx, id, client.ContainerRemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.client.ContainerInspect(ctx, id, client.ContainerInspectOptions{}); err == nil {
		t.Fatal("removed container still inspectable")
	}
}

func TestErrorsAPI(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	code, _, body := d.raw("GET", "/v1.45/containers/nope/json", "")
	if code != 404 || !strings.Contains(body, `"message":"No such container: nope"`) {
		t.Fatalf("unknown container: %d %s", code, body)
	}
	code, _, body = d.raw("POST", "/containers/create", "{bad json")
	if code != 400 {
		t.Fatalf("bad body: %d %s", code, body)
	}
	code, _, body = d.raw("POST", "/containers/create?name=bt-en-x", `{"Image":"nosuchimage"}`)
	if code != 404 || !strings.Contains(body, "No such image") {
		t.Fatalf("missing image: %d %s", code, body)
	}
	code, _, _ = d.raw("POST", "/containers/create?name=bt-en-dup", `{"Image":"busybox","Cmd":["true"]}`)
	if code != 201 {
		t.Fatalf("create: %d", code)
	}
	code, _, body = d.raw("POST", "/containers/create?name=bt-en-dup", `{"Image":"busybox","Cmd":["true"]}`)
	if code != 409 || !strings.Contains(body, `The container name \"/bt-en-dup\" is already in use`) {
		t.Fatalf("name in use: %d %s", code, body)
	}
	// A missing command: start fails with the runtime's text, nothing half-made.
	code, _, body = d.raw("POST", "/containers/create?name=bt-en-nocmd", `{"Image":"busybox","Cmd":["nosuchcmd"]}`)
	if code != 201 {
		t.Fatalf("create nocmd: %d %s", code, body)
	}
	code, _, body = d.raw("POST", "/containers/bt-en-nocmd/start", "")
	if code != 400 || !strings.Contains(body, "executable file not found") {
		t.Fatalf("start nocmd: %d %s", code, body)
	}
	ctx := context.Background()
	ins, err := d.client.ContainerInspect(ctx, "bt-en-nocmd", client.ContainerInspectOptions{})
	if err != nil || ins.Container.State.ExitCode != 127 || ins.Container.State.Running {
		t.Fatalf("after failed start: %+v %v", ins.Container.State, err)
	}
	if _, err := d.client.ContainerRemove(ctx, "bt-en-nocmd", client.ContainerRemoveOptions{}); err != nil {
		t.Fatalf("remove after failed start: %v", err)
	}
	// Removing a running container without force is a conflict.
	cr, err := d.client.ContainerCreate(ctx, client.ContainerCreateOptions{Config: &container.Config{Image: "busybox", Cmd: []string{"sleep", "100"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.client.ContainerStart(ctx, cr.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	code, _, body = d.raw("DELETE", "/containers/"+cr.ID, "")
	if code != 409 {
		t.Fatalf("rm running: %d %s", code, body)
	}
	code, _, body = d.raw("POST", "/containers/"+cr.ID+"/kill?signal=BOGUS", "")
	if code != 400 {
		t.Fatalf("bad signal: %d %s", code, body)
	}
}

func TestExecAndAttachAPI(t *testing.T) {
	d := startDaemon(t)
	d.importBusybox()
	ctx := context.Background()
	cr, err := d.client.ContainerCreate(ctx, client.ContainerCreateOptions{Config: &container.Config{Image: "busybox", Cmd: []string{"sleep", "100"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.client.ContainerStart(ctx, cr.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	ex, err := d.client.ExecCreate(ctx, cr.ID, client.ExecCreateOptions{Cmd: []string{"sh", "-c", "cat; echo done >&2; exit 4"}, AttachStdin: true, AttachStdout: true, AttachStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	att, err := d.client.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := att.Conn.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if cw, ok := att.Conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	var out, errb bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errb, att.Reader); err != nil && !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	att.Close()
	if out.String() != "hello\n" || errb.String() != "done\n" {
		t.Fatalf("exec out %q err %q", out.String(), errb.String())
	}
	waitFor(t, 5*time.Second, "exec exit code", func() bool {
		r, err := d.client.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
		return err == nil && !r.Running && r.ExitCode == 4
	})

	// top lists the container's processes.
	code, _, body := d.raw("GET", "/containers/"+cr.ID+"/top", "")
	var top container.TopResponse
	if code != 200 || json.Unmarshal([]byte(body), &top) != nil || len(top.Processes) == 0 || !strings.Contains(strings.Join(top.Processes[0], " "), "sleep 100") {
		t.Fatalf("top: %d %s", code, body)
	}

	// stop sends SIGTERM (ignored by sleep as pid 1), then SIGKILL after t.
	start := time.Now()
	timeout := 1
	if _, err := d.client.ContainerStop(ctx, cr.ID, client.ContainerStopOptions{Timeout: &timeout}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 900*time.Millisecond || el > 10*time.Second {
		t.Fatalf("stop took %v", el)
	}
	ins, _ := d.client.ContainerInspect(ctx, cr.ID, client.ContainerInspectOptions{})
	if ins.Container.State.ExitCode != 137 || ins.Container.State.Running {
		t.Fatalf("after stop: %+v", ins.Container.State)
	}
}
