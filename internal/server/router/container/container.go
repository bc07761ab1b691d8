package container

import (
	"github.com/berth/berth/internal/server/router"
)

// Router serves /containers and /commit.
type Router struct {
	b Backend
}

// New returns the container router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table.
func (r *Router) Routes() []router.Route {
	return []router.Route{
		{Pattern: "GET /containers/json", Handler: r.getContainersJSON},
		{Pattern: "POST /containers/create", Handler: r.postContainersCreate},
		{Pattern: "POST /containers/prune", Handler: r.postContainersPrune},
		{Pattern: "GET /containers/{name}/json", Handler: r.getContainersByName},
		{Pattern: "GET /containers/{name}/logs", Handler: r.getContainersLogs},
		{Pattern: "GET /containers/{name}/top", Handler: r.getContainersTop},
		{Pattern: "GET /containers/{name}/stats", Handler: r.getContainersStats},
		{Pattern: "GET /containers/{name}/changes", Handler: r.getContainersChanges},
		{Pattern: "GET /containers/{name}/export", Handler: r.getContainersExport},
		{Pattern: "HEAD /containers/{name}/archive", Handler: r.headContainersArchive},
		{Pattern: "GET /containers/{name}/archive", Handler: r.getContainersArchive},
		{Pattern: "PUT /containers/{name}/archive", Handler: r.putContainersArchive},
		{Pattern: "POST /containers/{name}/start", Handler: r.postContainersStart},
		{Pattern: "POST /containers/{name}/stop", Handler: r.postContainersStop},
		{Pattern: "POST /containers/{name}/restart", Handler: r.postContainersRestart},
		{Pattern: "POST /containers/{name}/kill", Handler: r.postContainersKill},
		{Pattern: "POST /containers/{name}/pause", Handler: r.postContainersPause},
		{Pattern: "POST /containers/{name}/unpause", Handler: r.postContainersUnpause},
		{Pattern: "POST /containers/{name}/rename", Handler: r.postContainersRename},
		{Pattern: "POST /containers/{name}/wait", Handler: r.postContainersWait},
		{Pattern: "POST /containers/{name}/attach", Handler: r.postContainersAttach},
		{Pattern: "POST /containers/{name}/resize", Handler: r.postContainersResize},
		{Pattern: "POST /containers/{name}/update", Handler: r.postContainersUpdate},
		{Pattern: "DELETE /containers/{name}", Handler: r.deleteContainers},
		{Pattern: "DELETE /containers/{parent}/{alias}", Handler: r.deleteContainersLink},
		{Pattern: "POST /commit", Handler: r.postCommit},
	}
}
