package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/moby/moby/api/types/registry"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
)

// Backend is what the registry router needs from the daemon.
type Backend interface {
	// RegistryLogin checks cfg against its registry and returns the status
	// line and an identity token (if the registry gave one).
	RegistryLogin(ctx context.Context, cfg registry.AuthConfig) (status, token string, err error)
}

// Inspector is implemented by a backend that can ask registries for a
// manifest (GET /distribution/{name}/json); without it that answers 501.
type Inspector interface {
	// DistributionInspect returns name's manifest descriptor and
	// platforms; auth is the X-Registry-Auth header.
	DistributionInspect(ctx context.Context, name, auth string) (*registry.DistributionInspect, error)
}

// Router serves /auth and /distribution.
type Router struct{ b Backend }

// New returns the registry router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table.
func (r *Router) Routes() []router.Route {
	return []router.Route{
		{Pattern: "POST /auth", Handler: r.postAuth},
		// Names contain slashes (localhost:5000/app/web:1).
		{Pattern: "GET /distribution/{rest...}", Handler: r.getDistributionInfo},
	}
}

func (r *Router) getDistributionInfo(w http.ResponseWriter, req *http.Request) error {
	name, ok := strings.CutSuffix(req.PathValue("rest"), "/json")
	if !ok || name == "" {
		return errdefs.NotFound(fmt.Errorf("page not found: %s %s", req.Method, req.URL.Path))
	}
	in, ok := r.b.(Inspector)
	if !ok {
		return errdefs.NotImplemented(errors.New("distribution inspect is not supported by this daemon"))
	}
	res, err := in.DistributionInspect(req.Context(), name, req.Header.Get("X-Registry-Auth"))
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, res)
}

func (r *Router) postAuth(w http.ResponseWriter, req *http.Request) error {
	var cfg registry.AuthConfig
	if err := httputil.ReadJSON(req, &cfg); err != nil {
		return err
	}
	status, token, err := r.b.RegistryLogin(req.Context(), cfg)
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, registry.AuthResponse{Status: status, IdentityToken: token})
}
