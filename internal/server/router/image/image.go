package image

import (
	"net/http"
	"strings"

	"github.com/berth/berth/internal/server/router"
)

// Router serves /images.
type Router struct {
	b Backend
}

// New returns the image router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table. Per-image endpoints
// (/images/{name}/json, /history, /get, /tag, /push and DELETE
// /images/{name}) go through the wildcard patterns, because names such as
// localhost:5000/app:1 contain slashes.
func (r *Router) Routes() []router.Route {
	return []router.Route{
		{Pattern: "GET /images/json", Handler: r.getImagesJSON},
		{Pattern: "GET /images/get", Handler: r.getImagesGet},
		{Pattern: "POST /images/create", Handler: r.postImagesCreate},
		{Pattern: "POST /images/load", Handler: r.postImagesLoad},
		{Pattern: "POST /images/prune", Handler: r.postImagesPrune},
		{Pattern: "GET /images/search", Handler: r.getImagesSearch},
		{Pattern: "GET /images/{rest...}", Handler: r.getImagesByName},
		{Pattern: "POST /images/{rest...}", Handler: r.postImagesByName},
		{Pattern: "DELETE /images/{rest...}", Handler: r.deleteImages},
	}
}

// splitName splits "busybox:latest/json" into the name and the action.
func splitName(rest string, actions ...string) (name, action string) {
	for _, a := range actions {
		if n, ok := strings.CutSuffix(rest, "/"+a); ok && n != "" {
			return n, a
		}
	}
	return rest, ""
}

func (r *Router) getImagesByName(w http.ResponseWriter, req *http.Request) error {
	name, action := splitName(req.PathValue("rest"), "json", "history", "get")
	switch action {
	case "json":
		return r.getImagesInspect(w, req, name)
	case "history":
		return r.getImagesHistory(w, req, name)
	case "get":
		return r.saveImages(w, req, []string{name})
	}
	return notFound(req)
}

func (r *Router) postImagesByName(w http.ResponseWriter, req *http.Request) error {
	name, action := splitName(req.PathValue("rest"), "tag", "push")
	switch action {
	case "tag":
		return r.postImagesTag(w, req, name)
	case "push":
		return r.postImagesPush(w, req, name)
	}
	return notFound(req)
}
