package network

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/network"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/router/routertest"
)

type fake struct {
	created   network.CreateRequest
	connected network.ConnectRequest
	removed   string
	filters   filters.Args
}

func (f *fake) NetworkList(ctx context.Context, a filters.Args) ([]network.Summary, error) {
	f.filters = a
	return []network.Summary{{Network: network.Network{Name: "bridge", Driver: "bridge"}}}, nil
}
func (f *fake) NetworkInspect(ctx context.Context, ref string) (*network.Inspect, error) {
	if ref != "app" {
		return nil, errdefs.NotFound(errors.New("network " + ref + " not found"))
	}
	return &network.Inspect{Network: network.Network{Name: "app"}}, nil
}
func (f *fake) NetworkCreate(ctx context.Context, req network.CreateRequest) (network.CreateResponse, error) {
	f.created = req
	return network.CreateResponse{ID: "abc"}, nil
}
func (f *fake) NetworkRemove(ctx context.Context, ref string) error { f.removed = ref; return nil }
func (f *fake) NetworksPrune(ctx context.Context, a filters.Args) (*network.PruneReport, error) {
	return &network.PruneReport{}, nil
}
func (f *fake) NetworkConnect(ctx context.Context, ref string, req network.ConnectRequest) error {
	f.connected = req
	return nil
}
func (f *fake) NetworkDisconnect(ctx context.Context, ref string, req network.DisconnectRequest) error {
	return nil
}

// serve runs the route table as the server does.
func serve(r *Router, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	routertest.Handler(r.Routes()).ServeHTTP(rec, req)
	return rec
}

func TestRoutes(t *testing.T) {
	f := &fake{}
	r := New(f)
	rec := serve(r, httptest.NewRequest("GET", `/networks?filters={"driver":{"bridge":true}}`, nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"Name":"bridge"`) || f.filters.Get("driver")[0] != "bridge" {
		t.Fatalf("list: %d %s %v", rec.Code, rec.Body, f.filters)
	}
	if rec := serve(r, httptest.NewRequest("GET", `/networks?filters={"bogus":{"x":true}}`, nil)); rec.Code != 400 {
		t.Fatalf("bad filter: %d", rec.Code)
	}
	if rec := serve(r, httptest.NewRequest("GET", "/networks/nosuch", nil)); rec.Code != 404 {
		t.Fatalf("inspect missing: %d", rec.Code)
	}
	rec = serve(r, httptest.NewRequest("POST", "/networks/create", strings.NewReader(`{"Name":"app","Driver":"bridge","Internal":true}`)))
	var resp network.CreateResponse
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &resp) != nil || resp.ID != "abc" || !f.created.Internal {
		t.Fatalf("create: %d %s %+v", rec.Code, rec.Body, f.created)
	}
	rec = serve(r, httptest.NewRequest("POST", "/networks/app/connect", strings.NewReader(`{"Container":"web","EndpointConfig":{"Aliases":["a"]}}`)))
	if rec.Code != 200 || f.connected.Container != "web" || f.connected.EndpointConfig.Aliases[0] != "a" {
		t.Fatalf("connect: %d %+v", rec.Code, f.connected)
	}
	if rec := serve(r, httptest.NewRequest("DELETE", "/networks/app", nil)); rec.Code != 204 || f.removed != "app" {
		t.Fatalf("rm: %d %q", rec.Code, f.removed)
	}
	if rec := serve(r, httptest.NewRequest("POST", "/networks/prune", nil)); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"NetworksDeleted":[]`) {
		t.Fatalf("prune: %d %s", rec.Code, rec.Body)
	}
}
