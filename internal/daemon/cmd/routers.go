package cmd

import (
	"github.com/berth/berth/internal/daemon"
	"github.com/berth/berth/internal/daemon/files"
	"github.com/berth/berth/internal/daemon/images"
	"github.com/berth/berth/internal/server/router"
	buildrouter "github.com/berth/berth/internal/server/router/build"
	ctrrouter "github.com/berth/berth/internal/server/router/container"
	execrouter "github.com/berth/berth/internal/server/router/exec"
	imagerouter "github.com/berth/berth/internal/server/router/image"
	netrouter "github.com/berth/berth/internal/server/router/network"
	registryrouter "github.com/berth/berth/internal/server/router/registry"
	swarmrouter "github.com/berth/berth/internal/server/router/swarm"
	"github.com/berth/berth/internal/server/router/system"
	volrouter "github.com/berth/berth/internal/server/router/volume"
)

// The routers find these optional Backend methods by type assertion: a
// signature that drifted would turn the endpoint into a 501 silently.
var (
	_ imagerouter.Puller       = (*images.Service)(nil)
	_ imagerouter.Pusher       = (*images.Service)(nil)
	_ imagerouter.Searcher     = (*images.Service)(nil)
	_ registryrouter.Inspector = (*images.Service)(nil)
)

// containerBackend is the container router's Backend: the daemon's
// container use cases, and cp, export and diff from its files service.
type containerBackend struct {
	*daemon.Daemon
	*files.Service
}

// routers returns every API router: the image and registry routers over
// the daemon's image service, the network router over its networking
// glue, the exec router over its process service, the volume router over
// its volumes service, the build router over its build service, the
// container router over the daemon and its files service.
func routers(d *daemon.Daemon) []router.Router {
	return []router.Router{system.New(d), ctrrouter.New(containerBackend{d, d.Files()}), execrouter.New(d.Procs()), imagerouter.New(d.Images()), netrouter.New(d.Networks()), volrouter.New(d.Volumes()), registryrouter.New(d.Images()), buildrouter.New(d.Builds()), swarmrouter.New()}
}
