package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
)

// ContainerRemove removes a stopped container (a running one with force:
// killed first). The record is marked removing before anything is deleted,
// so startup finishes a removal a crash interrupted.
func (d *Daemon) ContainerRemove(ctx context.Context, name string, force, volumes bool) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	if c.Incomplete {
		c.Unlock()
		return errdefs.Conflict(fmt.Errorf("container %s is being created", c.ID))
	}
	if c.State.Status == container.StatusRestarting {
		c.ManualStop = true
		c.State.Status = container.StatusExited
	}
	if c.State.Running() {
		if !force {
			c.Unlock()
			return errdefs.Conflict(fmt.Errorf("cannot remove container %q: container is running: stop the container before removing or force remove", name))
		}
		c.ManualStop = true
		c.HostConfig.AutoRemove = false // we remove it here, not the exit handler
		stopped := c.StoppedChan()
		sh, ok := d.shimOf(c)
		paused := c.State.Status == container.StatusPaused
		hostPID := sharedPID(c.HostConfig.PidMode)
		c.Unlock()
		if ok {
			killAll(ctx, sh, hostPID)
			if paused {
				_ = sh.Resume(ctx)
			}
			select {
			case <-stopped:
			case <-time.After(30 * time.Second):
				return fmt.Errorf("remove container %s: still running after SIGKILL", c.ID)
			}
		}
		c.Lock()
	}
	if err := c.SetRemoving(); err != nil {
		c.Unlock()
		return err
	}
	if err := d.containers.Save(c); err != nil {
		c.Unlock()
		return err
	}
	c.Unlock()
	crashPoint("rm-after-mark")
	d.cleanupContainer(ctx, c)
	if volumes {
		d.volumes.RemoveAnonymous(c)
	}
	c.Lock()
	c.SetRemoved()
	c.Unlock()
	d.emit("container", "destroy", c, nil)
	return nil
}

// ContainerRemoveLink is DELETE /containers/PARENT/ALIAS?link=1 (`docker rm
// --link`): the networking glue drops the legacy link.
func (d *Daemon) ContainerRemoveLink(ctx context.Context, name string) error {
	return d.net.RemoveLink(ctx, name)
}
