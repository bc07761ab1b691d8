// Package router defines what a resource router gives the server: a list of
// routes whose handlers return errors instead of writing them. The server maps
// errors to HTTP status codes in one place (errdefs categories).
package router

import "net/http"

// HandlerFunc handles one API request. Path wildcards are read with
// r.PathValue. A returned error is written by the server with the status of
// its errdefs category and Docker's body {"message": "..."}.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one API endpoint. Pattern is a net/http ServeMux pattern without
// the version prefix, e.g. "GET /containers/{name}/json"; the server also
// registers it under /v{version}/.
type Route struct {
	Pattern string
	Handler HandlerFunc
}

// Router is implemented by each resource router package.
type Router interface {
	Routes() []Route
}
