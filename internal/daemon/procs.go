package daemon

import (
	"context"
	"io"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/procs"
	"github.com/berth/berth/internal/oci"
	"github.com/berth/berth/internal/shimclient"
)

// initProcs opens the service of the containers' execs, attaches, logs and
// health checks.
func (d *Daemon) initProcs() {
	d.procs = procs.New(procs.Config{Log: d.log, Background: d.bg, HostCaps: d.hostCaps,
		Emit: func(action string, c *container.Container, attrs map[string]string) {
			d.emit("container", action, c, attrs)
		},
		Unhealthy: d.healthFailed,
		Ready:     func(c *container.Container) { d.net.TakeOverPorts(c) },
	}, containerProcs{d})
}

// Procs returns the process service: the Backend of the exec router.
func (d *Daemon) Procs() *procs.Service { return d.procs }

// ContainerAttach attaches the client's streams to the container (the
// container router's Backend).
func (d *Daemon) ContainerAttach(ctx context.Context, name string, opts backend.ContainerAttachOptions) error {
	return d.procs.ContainerAttach(ctx, name, opts)
}

// ContainerLogs streams the container's log (the container router's
// Backend).
func (d *Daemon) ContainerLogs(ctx context.Context, name string, opts backend.ContainerLogsOptions, open func(tty bool) (io.Writer, io.Writer)) error {
	return d.procs.ContainerLogs(ctx, name, opts, open)
}

// shimOf returns the shim of a running container.
func (d *Daemon) shimOf(c *container.Container) (*shimclient.Shim, bool) {
	v, ok := d.shims.Load(c.ID)
	if !ok {
		return nil, false
	}
	return v.(*shimclient.Shim), true
}

// containerProcs is the daemon's containers as the process service sees
// them.
type containerProcs struct{ d *Daemon }

func (p containerProcs) Get(ref string) (*container.Container, error) {
	return p.d.containers.Get(ref)
}

func (p containerProcs) Save(c *container.Container) error { return p.d.containers.Save(c) }

func (p containerProcs) Shim(c *container.Container) (*shimclient.Shim, bool) { return p.d.shimOf(c) }

// User resolves spec in the container's mounted rootfs.
func (p containerProcs) User(id, spec string, groupAdd []string) (oci.User, error) {
	return resolveUser(p.d.bundleDir(id)+"/rootfs", spec, groupAdd)
}

func (p containerProcs) LinkEnv(c *container.Container) []string { return p.d.net.LinkEnv(c) }
