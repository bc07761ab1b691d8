// Package routertest serves a router's routes in its tests as the server
// serves them, without the server's listeners and version negotiation.
package routertest

import (
	"encoding/json"
	"net/http"

	"github.com/berth/berth/internal/server"
	"github.com/berth/berth/internal/server/router"
	"github.com/berth/berth/internal/server/stream"
)

// Handler serves routes on a plain mux. A handler's error is written as
// the server writes it: the status of its errdefs category and Docker's
// body {"message": "..."}, unless the response has started.
func Handler(routes []router.Route) http.Handler {
	mux := http.NewServeMux()
	for _, r := range routes {
		h := r.Handler
		mux.HandleFunc(r.Pattern, func(w http.ResponseWriter, req *http.Request) {
			if err := h(w, req); err != nil && !stream.Started(w) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(server.StatusFromError(err))
				_ = json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
			}
		})
	}
	return stream.Track(mux)
}
