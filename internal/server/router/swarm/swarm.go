package swarm

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
)

// dockerd's answers on a node outside any swarm (moby daemon/cluster),
// and berth's own for init and join, which dockerd would carry out.
var (
	errNotManager  = errdefs.Unavailable(errors.New(`This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.`))
	errNoSwarm     = errdefs.Unavailable(errors.New("This node is not part of a swarm"))
	errNoSwarmMode = errdefs.Unavailable(errors.New(`swarm mode is not supported by this daemon (berth): this node cannot init or join a swarm`))
)

// Router serves the swarm-mode and plugin endpoints.
type Router struct{}

// New returns the router.
func New() *Router { return &Router{} }

// Routes returns the route table: every swarm-mode endpoint of dockerd's
// API, with the body (where it has one) checked first, as dockerd does.
func (r *Router) Routes() []router.Route {
	notManager := fail(errNotManager, false)
	withBody := fail(errNotManager, true)
	routes := []router.Route{
		{Pattern: "GET /swarm", Handler: notManager},
		{Pattern: "POST /swarm/init", Handler: fail(errNoSwarmMode, true)},
		{Pattern: "POST /swarm/join", Handler: fail(errNoSwarmMode, true)},
		{Pattern: "POST /swarm/leave", Handler: fail(errNoSwarm, false)},
		{Pattern: "GET /swarm/unlockkey", Handler: notManager},
		{Pattern: "POST /swarm/unlock", Handler: withBody},
		{Pattern: "POST /swarm/update", Handler: withBody},
		{Pattern: "GET /nodes", Handler: notManager},
		{Pattern: "GET /nodes/{id}", Handler: notManager},
		{Pattern: "DELETE /nodes/{id}", Handler: notManager},
		{Pattern: "POST /nodes/{id}/update", Handler: withBody},
		{Pattern: "GET /services", Handler: notManager},
		{Pattern: "POST /services/create", Handler: withBody},
		{Pattern: "GET /services/{id}", Handler: notManager},
		{Pattern: "DELETE /services/{id}", Handler: notManager},
		{Pattern: "POST /services/{id}/update", Handler: withBody},
		{Pattern: "GET /services/{id}/logs", Handler: notManager},
		{Pattern: "GET /tasks", Handler: notManager},
		{Pattern: "GET /tasks/{id}", Handler: notManager},
		{Pattern: "GET /tasks/{id}/logs", Handler: notManager},
		{Pattern: "GET /plugins", Handler: emptyList},
		{Pattern: "GET /plugins/privileges", Handler: emptyList},
		{Pattern: "GET /plugins/{name}/json", Handler: pluginNotFound},
		{Pattern: "DELETE /plugins/{name}", Handler: pluginNotFound},
		{Pattern: "POST /plugins/{name}/enable", Handler: pluginNotFound},
		{Pattern: "POST /plugins/{name}/disable", Handler: pluginNotFound},
		{Pattern: "POST /plugins/{name}/set", Handler: pluginNotFound},
		{Pattern: "POST /plugins/{name}/push", Handler: pluginNotFound},
	}
	for _, kind := range []string{"secrets", "configs"} {
		routes = append(routes,
			router.Route{Pattern: "GET /" + kind, Handler: notManager},
			router.Route{Pattern: "POST /" + kind + "/create", Handler: withBody},
			router.Route{Pattern: "GET /" + kind + "/{id}", Handler: notManager},
			router.Route{Pattern: "DELETE /" + kind + "/{id}", Handler: notManager},
			router.Route{Pattern: "POST /" + kind + "/{id}/update", Handler: withBody},
		)
	}
	return routes
}

// fail answers err; with body, a malformed JSON body is a 400 first.
func fail(err error, body bool) router.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) error {
		if body {
			var v any
			if err := httputil.ReadJSON(req, &v); err != nil {
				return err
			}
		}
		return err
	}
}

func emptyList(w http.ResponseWriter, req *http.Request) error {
	return httputil.WriteJSON(w, http.StatusOK, []struct{}{})
}

func pluginNotFound(w http.ResponseWriter, req *http.Request) error {
	return errdefs.NotFound(fmt.Errorf("plugin %q not found", req.PathValue("name")))
}
