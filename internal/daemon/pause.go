package daemon

import (
	"context"
	"fmt"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
)

// ContainerPause freezes the container's processes.
func (d *Daemon) ContainerPause(ctx context.Context, name string) error {
	return d.setPaused(ctx, name, true)
}

// ContainerUnpause thaws a paused container.
func (d *Daemon) ContainerUnpause(ctx context.Context, name string) error {
	return d.setPaused(ctx, name, false)
}

// setPaused freezes (pause) or thaws the processes of a running container
// through its shim, and records and announces it.
func (d *Daemon) setPaused(ctx context.Context, name string, pause bool) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	defer c.Unlock()
	paused := c.State.Status == container.StatusPaused
	switch {
	case pause && paused:
		return errdefs.Conflict(fmt.Errorf("container %s is already paused", c.ID))
	case !pause && !paused:
		return errdefs.Conflict(fmt.Errorf("container %s is not paused", c.ID))
	case pause && !c.State.Running():
		return container.ErrNotRunning(c.ID)
	}
	sh, ok := d.shimOf(c)
	if !ok {
		return container.ErrNotRunning(c.ID)
	}
	action, freeze := "unpause", sh.Resume
	if pause {
		action, freeze = "pause", sh.Pause
	}
	if err := freeze(ctx); err != nil {
		return fmt.Errorf("%s container %s: %w", action, c.ID, err)
	}
	c.SetPaused(pause)
	_ = d.containers.Save(c)
	d.emit("container", action, c, nil)
	return nil
}
