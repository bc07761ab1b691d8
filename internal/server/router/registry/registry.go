package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

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

// Router serves /auth.
type Router struct{ b Backend }

// New returns the registry router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table.
func (r *Router) Routes() []router.Route {
	return []router.Route{{Pattern: "POST /auth", Handler: r.postAuth}}
}

func (r *Router) postAuth(w http.ResponseWriter, req *http.Request) error {
	var cfg registry.AuthConfig
	if err := json.NewDecoder(req.Body).Decode(&cfg); err != nil {
		return errdefs.InvalidParameter(fmt.Errorf("decode auth config: %w", err))
	}
	status, token, err := r.b.RegistryLogin(req.Context(), cfg)
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, registry.AuthResponse{Status: status, IdentityToken: token})
}
