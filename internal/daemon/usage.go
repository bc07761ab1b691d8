package daemon

import (
	"context"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/resources"
)

// newResources opens the resource service: stats, top and update over
// the container records, with the runtime's update verb.
func (d *Daemon) newResources() *resources.Service {
	return resources.New(resources.Config{Containers: d.containers, CgroupV2: d.cgroupV2, MemTotal: memTotal(),
		RuntimeArgv: d.runtimeArgv, Emit: func(c *container.Container, action string) { d.emit("container", action, c, nil) }})
}

// ContainerStats streams a container's resource usage (resources.Service.Stats).
func (d *Daemon) ContainerStats(ctx context.Context, name string, stream, oneShot bool, emit func(*containertypes.StatsResponse) error) error {
	return d.res.Stats(ctx, name, stream, oneShot, emit)
}

// ContainerTop lists a container's processes (resources.Service.Top).
func (d *Daemon) ContainerTop(ctx context.Context, name, psArgs string) (*containertypes.TopResponse, error) {
	return d.res.Top(ctx, name, psArgs)
}

// ContainerUpdate changes a container's restart policy and limits
// (resources.Service.Update).
func (d *Daemon) ContainerUpdate(ctx context.Context, name string, u containertypes.UpdateConfig) (containertypes.UpdateResponse, error) {
	return d.res.Update(ctx, name, u)
}
