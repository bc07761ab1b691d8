package daemon

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
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
	c.Lock()
	if !c.State.Running() {
		c.Unlock()
		return errdefs.NotModified(fmt.Errorf("container %s is already stopped", c.ID))
	}
	c.ManualStop = true
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
		s, err := parseSignal(signal)
		if err != nil {
			return err
		}
		sig = s
	}
	if err := sh.Kill(ctx, sig); err != nil {
		d.log.Debug("stop signal", "id", c.ID, "err", err)
	}
	d.emit("container", "kill", c, map[string]string{"signal": itoa(int(sig))})
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
	if err := sh.KillAll(ctx, syscall.SIGKILL); err != nil {
		_ = sh.Kill(ctx, syscall.SIGKILL)
	}
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

// ContainerKill sends signal (default SIGKILL) to the container's init.
func (d *Daemon) ContainerKill(ctx context.Context, name, signal string) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	sig := syscall.SIGKILL
	if signal != "" {
		if sig, err = parseSignal(signal); err != nil {
			return err
		}
	}
	c.Lock()
	if !c.State.Running() {
		c.Unlock()
		return errdefs.Conflict(fmt.Errorf("cannot kill container: %s: container %s is not running", name, c.ID))
	}
	if sig == syscall.SIGKILL || sig == syscall.SIGTERM || sig == syscall.SIGINT {
		c.ManualStop = true
	}
	paused := c.State.Status == container.StatusPaused
	sh, ok := d.shimOf(c)
	stopped := c.StoppedChan()
	c.Unlock()
	if !ok {
		return errNotRunning(c.ID)
	}
	if err := sh.Kill(ctx, sig); err != nil {
		return fmt.Errorf("kill container %s: %w", c.ID, err)
	}
	d.emit("container", "kill", c, map[string]string{"signal": itoa(int(sig))})
	if paused && sig == syscall.SIGKILL {
		_ = sh.Resume(ctx)
	}
	if sig == syscall.SIGKILL {
		select { // Docker's kill returns once a SIGKILLed container is down
		case <-stopped:
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
	}
	return nil
}

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
		return errNotRunning(c.ID)
	}
	sh, ok := d.shimOf(c)
	if !ok {
		return errNotRunning(c.ID)
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
		return errNotRunning(c.ID)
	}
	if err := sh.Resume(ctx); err != nil {
		return fmt.Errorf("unpause container %s: %w", c.ID, err)
	}
	c.SetPaused(false)
	_ = d.containers.Save(c)
	d.emit("container", "unpause", c, nil)
	return nil
}

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
		return errNotRunning(c.ID)
	}
	return sh.Resize(ctx, height, width)
}
