package container

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/router"
	"github.com/berth/berth/internal/server/router/routertest"
)

// fakeBackend implements Backend; unset behaviours panic through the nil
// embedded interface.
type fakeBackend struct {
	Backend
	created  container.CreateRequest
	ext      backend.ContainerCreateExtensions
	name     string
	waitCh   chan container.WaitResponse
	stopErr  error
	listOpts backend.ContainerListOptions
}

func (f *fakeBackend) ContainerCreate(ctx context.Context, name string, req container.CreateRequest, ext backend.ContainerCreateExtensions) (container.CreateResponse, error) {
	f.created, f.name, f.ext = req, name, ext
	if name == "dup" {
		return container.CreateResponse{}, errdefs.Conflict(errors.New(`Conflict. The container name "/dup" is already in use`))
	}
	return container.CreateResponse{ID: "abc"}, nil
}

func (f *fakeBackend) ContainerWait(ctx context.Context, name, cond string) (<-chan container.WaitResponse, error) {
	if name == "nope" {
		return nil, errdefs.NotFound(errors.New("No such container: nope"))
	}
	return f.waitCh, nil
}

func (f *fakeBackend) ContainerStop(ctx context.Context, name, sig string, t *int) error {
	return f.stopErr
}

func (f *fakeBackend) ContainerList(ctx context.Context, o backend.ContainerListOptions) ([]container.Summary, error) {
	f.listOpts = o
	return []container.Summary{}, nil
}

func (f *fakeBackend) ContainerStatPath(ctx context.Context, name, p string) (*backend.ArchiveStat, error) {
	return &backend.ArchiveStat{Name: "f", Size: 3}, nil
}

// serve serves the router's routes as the server does.
func serve(b Backend) *httptest.Server {
	return httptest.NewServer(routertest.Handler(New(b).Routes()))
}

var _ router.Router = (*Router)(nil)

func TestCreateDecodesBodyAndName(t *testing.T) {
	f := &fakeBackend{}
	srv := serve(f)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/containers/create?name=web", "application/json",
		strings.NewReader(`{"Image":"busybox","Cmd":["echo","hi"],"HostConfig":{"NetworkMode":"host","AutoRemove":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	var cr container.CreateResponse
	_ = json.NewDecoder(resp.Body).Decode(&cr)
	resp.Body.Close()
	if resp.StatusCode != 201 || cr.ID != "abc" || cr.Warnings == nil {
		t.Fatalf("create: %d %+v", resp.StatusCode, cr)
	}
	if f.name != "web" || f.created.Image != "busybox" || f.created.HostConfig.NetworkMode != "host" || !f.created.HostConfig.AutoRemove {
		t.Fatalf("decoded %q %+v", f.name, f.created)
	}
	for body, want := range map[string]int{`{bad`: 400, ``: 400, `{"Image":"busybox"}`: 201} {
		resp, err := http.Post(srv.URL+"/containers/create", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("body %q: %d, want %d", body, resp.StatusCode, want)
		}
	}
	resp, _ = http.Post(srv.URL+"/containers/create?name=dup", "application/json", strings.NewReader(`{"Image":"x"}`))
	if resp.StatusCode != 409 {
		t.Errorf("dup: %d", resp.StatusCode)
	}
}

func TestWaitSendsHeaderFirst(t *testing.T) {
	f := &fakeBackend{waitCh: make(chan container.WaitResponse, 1)}
	srv := serve(f)
	defer srv.Close()
	resp, err := http.Post(srv.URL+"/containers/x/wait?condition=next-exit", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 { // the header came before any result
		t.Fatalf("status %d", resp.StatusCode)
	}
	f.waitCh <- container.WaitResponse{StatusCode: 7}
	var wr container.WaitResponse
	if err := json.NewDecoder(bufio.NewReader(resp.Body)).Decode(&wr); err != nil || wr.StatusCode != 7 {
		t.Fatalf("wait body %+v %v", wr, err)
	}
	resp, _ = http.Post(srv.URL+"/containers/nope/wait", "", nil)
	if resp.StatusCode != 404 {
		t.Fatalf("wait unknown: %d", resp.StatusCode)
	}
}

func TestStopNotModifiedAndParams(t *testing.T) {
	f := &fakeBackend{stopErr: errdefs.NotModified(errors.New("already stopped"))}
	srv := serve(f)
	defer srv.Close()
	resp, _ := http.Post(srv.URL+"/containers/x/stop?t=3", "", nil)
	if resp.StatusCode != 304 {
		t.Fatalf("stop stopped: %d", resp.StatusCode)
	}
	resp, _ = http.Post(srv.URL+"/containers/x/stop?t=abc", "", nil)
	if resp.StatusCode != 400 {
		t.Fatalf("bad t: %d", resp.StatusCode)
	}
	resp, _ = http.Get(srv.URL + "/containers/x/logs")
	if resp.StatusCode != 400 {
		t.Fatalf("logs without streams: %d", resp.StatusCode)
	}
	resp, _ = http.Get(srv.URL + `/containers/json?all=1&limit=2&filters={"status":{"exited":true}}`)
	if resp.StatusCode != 200 || !f.listOpts.All || f.listOpts.Limit != 2 || f.listOpts.Filters.Get("status")[0] != "exited" {
		t.Fatalf("list: %d %+v", resp.StatusCode, f.listOpts)
	}
	req, _ := http.NewRequest("HEAD", srv.URL+"/containers/x/archive?path=/f", nil)
	resp, _ = http.DefaultClient.Do(req)
	data, _ := base64.StdEncoding.DecodeString(resp.Header.Get("X-Docker-Container-Path-Stat"))
	var st backend.ArchiveStat
	if resp.StatusCode != 200 || json.Unmarshal(data, &st) != nil || st.Name != "f" || st.Size != 3 {
		t.Fatalf("archive stat: %d %s", resp.StatusCode, data)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
}
