package cmd

import (
	"github.com/berth/berth/internal/daemon"
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

// routers returns every API router, each over the daemon (or, for
// networks, its networking glue) as its Backend.
func routers(d *daemon.Daemon) []router.Router {
	return []router.Router{system.New(d), ctrrouter.New(d), execrouter.New(d), imagerouter.New(d), netrouter.New(d.Networks()), volrouter.New(d), registryrouter.New(d), buildrouter.New(d), swarmrouter.New()}
}
