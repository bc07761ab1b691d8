package volume

import (
	"context"
	"net/http"

	"github.com/moby/moby/api/types/volume"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
)

// Backend is what the volume router needs: the volume use cases.
type Backend interface {
	VolumeList(ctx context.Context, f filters.Args) (*volume.ListResponse, error)
	VolumeCreate(ctx context.Context, req volume.CreateRequest) (*volume.Volume, error)
	VolumeInspect(ctx context.Context, name string) (*volume.Volume, error)
	VolumeRemove(ctx context.Context, name string, force bool) error
	VolumePrune(ctx context.Context, f filters.Args) (*volume.PruneReport, error)
}

// Router serves the volume endpoints.
type Router struct{ b Backend }

// New returns the volume router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table.
func (r *Router) Routes() []router.Route {
	return []router.Route{
		{Pattern: "GET /volumes", Handler: r.getVolumes},
		{Pattern: "POST /volumes/create", Handler: r.postVolumesCreate},
		{Pattern: "GET /volumes/{name}", Handler: r.getVolume},
		{Pattern: "DELETE /volumes/{name}", Handler: r.deleteVolume},
		{Pattern: "POST /volumes/prune", Handler: r.postVolumesPrune},
	}
}

func (r *Router) getVolumes(w http.ResponseWriter, req *http.Request) error {
	f, err := httputil.Filters(req, "dangling", "name", "label", "driver")
	if err != nil {
		return err
	}
	res, err := r.b.VolumeList(req.Context(), f)
	return httputil.Answer(w, http.StatusOK, res, err)
}

func (r *Router) postVolumesCreate(w http.ResponseWriter, req *http.Request) error {
	var body volume.CreateRequest
	if err := httputil.ReadJSON(req, &body); err != nil {
		return err
	}
	v, err := r.b.VolumeCreate(req.Context(), body)
	return httputil.Answer(w, http.StatusCreated, v, err)
}

func (r *Router) getVolume(w http.ResponseWriter, req *http.Request) error {
	v, err := r.b.VolumeInspect(req.Context(), req.PathValue("name"))
	return httputil.Answer(w, http.StatusOK, v, err)
}

func (r *Router) deleteVolume(w http.ResponseWriter, req *http.Request) error {
	return httputil.AnswerStatus(w, http.StatusNoContent, r.b.VolumeRemove(req.Context(), req.PathValue("name"), httputil.BoolValue(req, "force")))
}

func (r *Router) postVolumesPrune(w http.ResponseWriter, req *http.Request) error {
	f, err := httputil.Filters(req, "label", "label!", "all")
	if err != nil {
		return err
	}
	rep, err := r.b.VolumePrune(req.Context(), f)
	if err != nil {
		return err
	}
	rep.VolumesDeleted = httputil.List(rep.VolumesDeleted)
	return httputil.WriteJSON(w, http.StatusOK, rep)
}
