package daemon

import (
	"context"
	"fmt"
	"strconv"
	"syscall"
	"time"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/signame"
)

// ContainerStop sends the stop signal (the request's, the container's or
// the image's STOPSIGNAL, else SIGTERM), waits timeout seconds (the
// request's, the container's StopTimeout, else 10; -1 = forever), then
// SIGKILL.
func (d *Daemon) ContainerStop(ctx context.Context, name, signal string, timeout *int) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	if err := d.stop(ctx, c, signal, timeout); err != nil {
		return err
	}
	d.emitStop(c)
	return nil
}

func (d *Daemon) stop(ctx context.Context, c *container.Container, signal string, timeout *int) error {
	return d.terminate(ctx, c, signal, timeout, true)
}

// terminate stops c as ContainerStop does; manual marks the stop as the
// user's, which the restart policy respects.
func (d *Daemon) terminate(ctx context.Context, c *container.Container, signal string, timeout *int, manual bool) error {
	c.Lock()
	if !c.State.Running() {
		c.Unlock()
		return errdefs.NotModified(fmt.Errorf("container %s is already stopped", c.ID))
	}
	if manual {
		c.ManualStop = true
	}
	if c.State.Status == container.StatusRestarting {
		// Between two runs of a restart policy: nothing runs; stay stopped.
		c.State.Status = container.StatusExited
		_ = d.containers.Save(c)
		c.Unlock()
		return nil
	}
	sh, ok := d.shimOf(c)
	stopped := c.StoppedChan()
	paused := c.State.Status == container.StatusPaused
	hostPID := sharedPID(c.HostConfig.PidMode)
	if signal == "" {
		signal = c.StopSignal
	}
	t := 10
	if timeout != nil {
		t = *timeout
	} else if c.Config.StopTimeout != nil {
		t = *c.Config.StopTimeout
	}
	c.Unlock()
	if !ok {
		return fmt.Errorf("stop container %s: no shim", c.ID)
	}
	sig := syscall.SIGTERM
	if signal != "" {
		s, err := signame.Parse(signal)
		if err != nil {
			return err
		}
		sig = s
	}
	// The event goes out before the signal, so that it comes before the
	// die the signal causes, as dockerd's (which holds the container's
	// lock across both); a rename may change the name it carries.
	c.Lock()
	d.emit("container", "kill", c, map[string]string{"signal": strconv.Itoa(int(sig))})
	c.Unlock()
	if err := sh.Kill(ctx, sig); err != nil {
		d.log.Debug("stop signal", "id", c.ID, "err", err)
	}
	if paused {
		_ = sh.Resume(ctx)
	}
	var timer <-chan time.Time
	if t >= 0 {
		timer = time.After(time.Duration(t) * time.Second)
	}
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timer:
	}
	killAll(ctx, sh, hostPID)
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return fmt.Errorf("stop container %s: still running after SIGKILL", c.ID)
	}
}

// ContainerStop's event is emitted by the router-facing method.
func (d *Daemon) emitStop(c *container.Container) { d.emit("container", "stop", c, nil) }
