package daemon

import (
	"context"
	"errors"

	"github.com/berth/berth/internal/errdefs"
)

// ContainerRestart stops (if running) and starts the container.
func (d *Daemon) ContainerRestart(ctx context.Context, name, signal string, timeout *int) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	if err := d.stop(ctx, c, signal, timeout); err != nil && !errors.Is(err, errdefs.ErrNotModified) {
		return err
	}
	err = d.start(context.WithoutCancel(ctx), c, nil)
	if errors.Is(err, errdefs.ErrNotModified) {
		return nil
	}
	if err == nil {
		d.emit("container", "restart", c, nil)
	}
	return err
}
