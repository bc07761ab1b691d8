// Package backend holds the types the API routers hand to their Backends
// and get back from them, where the Docker Engine API module has no type
// of its own: request options decoded from query parameters and bodies
// (container list, logs, attach, commit, exec start, build), responses
// that carry fields the API module dropped (image inspect, system df),
// and ParseTime for since/until values. The routers and the daemon's
// services both import it, so the daemon never imports a router (as
// moby's api/types/backend). Filters live in the filters subpackage.
package backend
