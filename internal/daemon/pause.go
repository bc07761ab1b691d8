package daemon

import (
	"context"
	"fmt"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
)

// ContainerPause freezes the container's processes.
func (d *Daemon) ContainerPause(ctx context.Context, name string) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	defer c.Unlock()
	if c.State.Status == container.StatusPaused {
		return errdefs.Conflict(fmt.Errorf("container %s is already paused", c.ID))
	}
	if !c.State.Running() {
		return container.ErrNotRunning(c.ID)
	}
	sh, ok := d.shimOf(c)
	if !ok {
		return container.ErrNotRunning(c.ID)
	}
	if err := sh.Pause(ctx); err != nil {
		return fmt.Errorf("pause container %s: %w", c.ID, err)
	}
	c.SetPaused(true)
	_ = d.containers.Save(c)
	d.emit("container", "pause", c, nil)
	return nil
}

// ContainerUnpause thaws a paused container.
func (d *Daemon) ContainerUnpause(ctx context.Context, name string) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	defer c.Unlock()
	if c.State.Status != container.StatusPaused {
		return errdefs.Conflict(fmt.Errorf("container %s is not paused", c.ID))
	}
	sh, ok := d.shimOf(c)
	if !ok {
		return container.ErrNotRunning(c.ID)
	}
	if err := sh.Resume(ctx); err != nil {
		return fmt.Errorf("unpause container %s: %w", c.ID, err)
	}
	c.SetPaused(false)
	_ = d.containers.Save(c)
	d.emit("container", "unpause", c, nil)
	return nil
}
