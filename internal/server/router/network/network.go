package network

import (
	"context"
	"net/http"

	"github.com/moby/moby/api/types/network"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
	"github.com/berth/berth/internal/server/stream"
)

// Backend is what the network router needs from the daemon.
type Backend interface {
	// NetworkList lists networks matching the filters (name, id, driver,
	// label, type, dangling).
	NetworkList(ctx context.Context, f filters.Args) ([]network.Summary, error)
	// NetworkInspect returns one network by name, ID or ID prefix.
	NetworkInspect(ctx context.Context, ref string) (*network.Inspect, error)
	// NetworkCreate creates a user network.
	NetworkCreate(ctx context.Context, req network.CreateRequest) (network.CreateResponse, error)
	// NetworkRemove removes a network without endpoints.
	NetworkRemove(ctx context.Context, ref string) error
	// NetworksPrune removes unused user networks.
	NetworksPrune(ctx context.Context, f filters.Args) (*network.PruneReport, error)
	// NetworkConnect connects a container to a network.
	NetworkConnect(ctx context.Context, ref string, req network.ConnectRequest) error
	// NetworkDisconnect disconnects a container from a network.
	NetworkDisconnect(ctx context.Context, ref string, req network.DisconnectRequest) error
}

// Router serves /networks.
type Router struct{ b Backend }

// New returns the network router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table.
func (r *Router) Routes() []router.Route {
	return []router.Route{
		{Pattern: "GET /networks", Handler: r.getNetworks},
		{Pattern: "GET /networks/{$}", Handler: r.getNetworks},
		{Pattern: "GET /networks/{id}", Handler: r.getNetwork},
		{Pattern: "POST /networks/create", Handler: r.postNetworksCreate},
		{Pattern: "POST /networks/prune", Handler: r.postNetworksPrune},
		{Pattern: "POST /networks/{id}/connect", Handler: r.postNetworkConnect},
		{Pattern: "POST /networks/{id}/disconnect", Handler: r.postNetworkDisconnect},
		{Pattern: "DELETE /networks/{id}", Handler: r.deleteNetwork},
	}
}

func (r *Router) getNetworks(w http.ResponseWriter, req *http.Request) error {
	f, err := httputil.Filters(req, "name", "id", "driver", "label", "type", "dangling", "scope")
	if err != nil {
		return err
	}
	l, err := r.b.NetworkList(req.Context(), f)
	if err != nil {
		return err
	}
	out := make([]any, 0, len(l))
	for _, n := range l {
		var item any = n
		// Before API 1.28 the list carried each network's containers, as
		// inspect does (the Python SDK's greedy list reads them there).
		if stream.VersionLessThan(req.Context(), "1.28") {
			full, err := r.b.NetworkInspect(req.Context(), n.ID)
			if err != nil {
				continue // removed meanwhile
			}
			item = full
		}
		out = append(out, legacyFields(req.Context(), item))
	}
	return httputil.WriteJSON(w, http.StatusOK, out)
}

func (r *Router) getNetwork(w http.ResponseWriter, req *http.Request) error {
	n, err := r.b.NetworkInspect(req.Context(), req.PathValue("id"))
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, legacyFields(req.Context(), n))
}

// legacyFields drops from a network the fields newer than the request's
// API version: EnableIPv4 came with API 1.47.
func legacyFields(ctx context.Context, n any) any {
	if !stream.VersionLessThan(ctx, "1.47") {
		return n
	}
	m, ok := httputil.Object(n)
	if !ok {
		return n
	}
	delete(m, "EnableIPv4")
	return m
}

func (r *Router) postNetworksCreate(w http.ResponseWriter, req *http.Request) error {
	var body network.CreateRequest
	if err := httputil.ReadJSON(req, &body); err != nil {
		return err
	}
	resp, err := r.b.NetworkCreate(req.Context(), body)
	return httputil.Answer(w, http.StatusCreated, resp, err)
}

func (r *Router) postNetworksPrune(w http.ResponseWriter, req *http.Request) error {
	f, err := httputil.Filters(req)
	if err != nil {
		return err
	}
	rep, err := r.b.NetworksPrune(req.Context(), f)
	if err != nil {
		return err
	}
	rep.NetworksDeleted = httputil.List(rep.NetworksDeleted)
	return httputil.WriteJSON(w, http.StatusOK, rep)
}

func (r *Router) postNetworkConnect(w http.ResponseWriter, req *http.Request) error {
	var body network.ConnectRequest
	if err := httputil.ReadJSON(req, &body); err != nil {
		return err
	}
	return httputil.AnswerStatus(w, http.StatusOK, r.b.NetworkConnect(req.Context(), req.PathValue("id"), body))
}

func (r *Router) postNetworkDisconnect(w http.ResponseWriter, req *http.Request) error {
	var body network.DisconnectRequest
	if err := httputil.ReadJSON(req, &body); err != nil {
		return err
	}
	return httputil.AnswerStatus(w, http.StatusOK, r.b.NetworkDisconnect(req.Context(), req.PathValue("id"), body))
}

func (r *Router) deleteNetwork(w http.ResponseWriter, req *http.Request) error {
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.NetworkRemove(req.Context(), req.PathValue("id")))
}
