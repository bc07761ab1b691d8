package daemon

import (
	"context"

	"github.com/berth/berth/internal/container"
)

// ContainerResize sets the size of the container's terminal.
func (d *Daemon) ContainerResize(ctx context.Context, name string, height, width uint) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	running := c.State.Running()
	c.Unlock()
	sh, ok := d.shimOf(c)
	if !running || !ok {
		return container.ErrNotRunning(c.ID)
	}
	return sh.Resize(ctx, height, width)
}
