package daemon

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/recovery"
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
		c.Unlock()
		if ok {
			_ = sh.KillAll(ctx, syscall.SIGKILL)
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

// ContainerRename renames a container.
func (d *Daemon) ContainerRename(ctx context.Context, name, newName string) error {
	if newName == "" {
		return errdefs.InvalidParameter(errors.New("Neither old nor new names may be empty"))
	}
	newName = strings.TrimPrefix(newName, "/")
	if !container.ValidName(newName) {
		return errdefs.InvalidParameter(fmt.Errorf("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", newName))
	}
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	if c.Name == "/"+newName {
		return errdefs.InvalidParameter(errors.New("Renaming a container with the same name as its current name"))
	}
	old := c.Name
	if err := d.containers.Rename(c, newName); err != nil {
		if errdefs.IsConflict(err) {
			return errdefs.Conflict(fmt.Errorf("Error when allocating new name: %w", err)) // dockerd's words
		}
		return err
	}
	d.net.Rename(c)
	d.emit("container", "rename", c, map[string]string{"oldName": old})
	return nil
}

// ContainerWait waits for condition: not-running (default), next-exit or
// removed.
func (d *Daemon) ContainerWait(ctx context.Context, name, condition string) (<-chan containertypes.WaitResponse, error) {
	c, err := d.containers.Get(name)
	if err != nil {
		return nil, err
	}
	c.Lock()
	var ch <-chan struct{}
	switch condition {
	case "", "not-running":
		ch = c.StoppedChan()
	case "next-exit":
		ch = c.NextExitChan()
	case "removed":
		ch = c.RemovedChan()
	default:
		c.Unlock()
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid condition: %q", condition))
	}
	c.Unlock()
	out := make(chan containertypes.WaitResponse, 1)
	recovery.Go(d.log, "wait "+c.ID, func() {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		c.Lock()
		resp := containertypes.WaitResponse{StatusCode: int64(c.State.ExitCode)}
		if c.State.Error != "" && condition != "removed" {
			resp.Error = &containertypes.WaitExitError{Message: c.State.Error}
		}
		c.Unlock()
		out <- resp
	}, nil)
	return out, nil
}

// ContainerRemoveLink is DELETE /containers/PARENT/ALIAS?link=1 (`docker rm
// --link`): the networking glue drops the legacy link.
func (d *Daemon) ContainerRemoveLink(ctx context.Context, name string) error {
	return d.net.RemoveLink(ctx, name)
}
