package volume

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/volume"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/router/routertest"
)

type fakeBackend struct {
	created volume.CreateRequest
	listF   filters.Args
	pruneF  filters.Args
	removed string
	force   bool
}

func (f *fakeBackend) VolumeList(ctx context.Context, a filters.Args) (*volume.ListResponse, error) {
	f.listF = a
	return &volume.ListResponse{Volumes: []volume.Volume{{Name: "v"}}}, nil
}

func (f *fakeBackend) VolumeCreate(ctx context.Context, req volume.CreateRequest) (*volume.Volume, error) {
	f.created = req
	return &volume.Volume{Name: req.Name, Driver: "local"}, nil
}

func (f *fakeBackend) VolumeInspect(ctx context.Context, name string) (*volume.Volume, error) {
	if name == "nope" {
		return nil, errdefs.NotFound(errors.New("get nope: no such volume"))
	}
	return &volume.Volume{Name: name}, nil
}

func (f *fakeBackend) VolumeRemove(ctx context.Context, name string, force bool) error {
	f.removed, f.force = name, force
	if name == "used" {
		return errdefs.Conflict(errors.New("remove used: volume is in use - [abc]"))
	}
	return nil
}

func (f *fakeBackend) VolumePrune(ctx context.Context, a filters.Args) (*volume.PruneReport, error) {
	f.pruneF = a
	return &volume.PruneReport{}, nil
}

func serve(b Backend) *httptest.Server {
	return httptest.NewServer(routertest.Handler(New(b).Routes()))
}

func do(t *testing.T, method, u, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	_, _ = fmt.Fprint(&sb, jsonBody(res))
	return res, sb.String()
}

func jsonBody(res *http.Response) string {
	var v any
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRoutes(t *testing.T) {
	f := &fakeBackend{}
	srv := serve(f)
	defer srv.Close()

	res, body := do(t, "POST", srv.URL+"/volumes/create", `{"Name":"data","Labels":{"a":"b"},"DriverOpts":{"type":"tmpfs"}}`)
	if res.StatusCode != 201 || f.created.Name != "data" || f.created.Labels["a"] != "b" || f.created.DriverOpts["type"] != "tmpfs" {
		t.Fatalf("create: %d %s %+v", res.StatusCode, body, f.created)
	}
	q := url.Values{"filters": {`{"dangling":{"true":true},"label":{"a=b":true}}`}}
	res, body = do(t, "GET", srv.URL+"/volumes?"+q.Encode(), "")
	if res.StatusCode != 200 || !strings.Contains(body, `"Name":"v"`) || f.listF.Get("dangling")[0] != "true" || f.listF.Get("label")[0] != "a=b" {
		t.Fatalf("list: %d %s %v", res.StatusCode, body, f.listF)
	}
	q = url.Values{"filters": {`{"bogus":{"1":true}}`}}
	if res, _ = do(t, "GET", srv.URL+"/volumes?"+q.Encode(), ""); res.StatusCode != 400 {
		t.Fatalf("list with unknown filter: %d", res.StatusCode)
	}
	if res, _ = do(t, "GET", srv.URL+"/volumes/nope", ""); res.StatusCode != 404 {
		t.Fatalf("inspect missing: %d", res.StatusCode)
	}
	if res, _ = do(t, "DELETE", srv.URL+"/volumes/used?force=1", ""); res.StatusCode != 409 || !f.force {
		t.Fatalf("remove used: %d force=%v", res.StatusCode, f.force)
	}
	if res, _ = do(t, "DELETE", srv.URL+"/volumes/free", ""); res.StatusCode != 204 || f.removed != "free" || f.force {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	q = url.Values{"filters": {`{"all":{"true":true}}`}}
	res, body = do(t, "POST", srv.URL+"/volumes/prune?"+q.Encode(), "")
	if res.StatusCode != 200 || body != `{"SpaceReclaimed":0,"VolumesDeleted":[]}` || f.pruneF.Get("all")[0] != "true" {
		t.Fatalf("prune: %d %s", res.StatusCode, body)
	}
}
