package daemon

import (
	"context"
	"strconv"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/shimclient"
)

// ContainerResize sets the size of the container's terminal.
func (d *Daemon) ContainerResize(ctx context.Context, name string, height, width uint) error {
	c, sh, err := d.runningShim(name)
	if err != nil {
		return err
	}
	if err := sh.Resize(ctx, height, width); err != nil {
		return err
	}
	d.emit("container", "resize", c, map[string]string{"height": strconv.FormatUint(uint64(height), 10), "width": strconv.FormatUint(uint64(width), 10)})
	return nil
}

// runningShim returns the container name and its monitor; it must be
// running.
func (d *Daemon) runningShim(name string) (*container.Container, *shimclient.Shim, error) {
	c, err := d.containers.Get(name)
	if err != nil {
		return nil, nil, err
	}
	c.Lock()
	running := c.State.Running()
	c.Unlock()
	sh, ok := d.shimOf(c)
	if !running || !ok {
		return nil, nil, container.ErrNotRunning(c.ID)
	}
	return c, sh, nil
}
