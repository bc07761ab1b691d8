package daemon

import (
	"context"
	"fmt"
	"strconv"
	"syscall"
	"time"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/signame"
)

// ContainerKill sends signal (default SIGKILL) to the container's init.
func (d *Daemon) ContainerKill(ctx context.Context, name, signal string) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	sig := syscall.SIGKILL
	if signal != "" {
		if sig, err = signame.Parse(signal); err != nil {
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
		return container.ErrNotRunning(c.ID)
	}
	// The event before the signal, so that it comes before the die the
	// signal causes (stop.go).
	d.emit("container", "kill", c, map[string]string{"signal": strconv.Itoa(int(sig))})
	if err := sh.Kill(ctx, sig); err != nil {
		return fmt.Errorf("kill container %s: %w", c.ID, err)
	}
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

// killAll SIGKILLs every process of c. A container with a PID namespace of
// its own dies with its init (the kernel kills the rest of the namespace),
// so the shim signals the init itself; one in the host's PID namespace needs
// the runtime, which signals each process of its cgroup (a process more to
// start). The caller read hostPID from c's HostConfig under its lock.
func killAll(ctx context.Context, sh *shimclient.Shim, hostPID bool) {
	if !hostPID && sh.Kill(ctx, syscall.SIGKILL) == nil {
		return
	}
	if err := sh.KillAll(ctx, syscall.SIGKILL); err != nil {
		_ = sh.Kill(ctx, syscall.SIGKILL)
	}
}
