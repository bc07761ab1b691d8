package system

import (
	"net/http"

	"github.com/berth/berth/internal/server/httputil"
)

// Until networks, volumes and the builder have their own routers, their
// prune endpoints answer "nothing to prune" so that `docker system prune`
// (which the CLI composes from every prune endpoint) works. A router that
// serves the resource must take these patterns over (remove them here).
func (r *Router) postNetworksPrune(w http.ResponseWriter, req *http.Request) error {
	return httputil.WriteJSON(w, http.StatusOK, map[string]any{"NetworksDeleted": []string{}})
}

func (r *Router) postVolumesPrune(w http.ResponseWriter, req *http.Request) error {
	return httputil.WriteJSON(w, http.StatusOK, map[string]any{"VolumesDeleted": []string{}, "SpaceReclaimed": 0})
}
