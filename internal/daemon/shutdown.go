package daemon

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
)

// shutdownGrace is what dockerd adds to the longest stop timeout of the
// running containers when it computes the time a shutdown may take.
const shutdownGrace = 5

// Shutdown is the daemon's end before Close. With live-restore on (the
// default) containers keep running. Off, the running containers are
// stopped, all at once, each with its stop signal and stop timeout, as
// `docker stop` does; the whole waits at most the shutdown timeout
// (dockerd's rule: "shutdown-timeout", or the longest stop timeout plus 5s
// if more; -1 = forever). Containers still running then are left to the
// next start's restore. These stops are not the user's and restart
// nothing now: the next start brings back the containers whose restart
// policy says so (restore), "unless-stopped" ones included.
func (d *Daemon) Shutdown(ctx context.Context) {
	cfg := d.config()
	if cfg.LiveRestore {
		return
	}
	var running []*container.Container
	timeout := cfg.ShutdownTimeout
	for _, c := range d.containers.List() {
		c.Lock()
		if c.State.Running() {
			running = append(running, c)
			stop := 10
			if c.Config.StopTimeout != nil {
				stop = *c.Config.StopTimeout
			}
			if stop < 0 || timeout < 0 {
				timeout = -1
			} else {
				timeout = max(timeout, stop+shutdownGrace)
			}
		}
		c.Unlock()
	}
	if len(running) == 0 {
		return
	}
	d.shuttingDown.Store(true)
	d.log.Info("stopping containers (live-restore off)", "containers", len(running), "timeout", timeout)
	if timeout >= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(timeout)*time.Second)
		defer cancel()
	}
	var wg sync.WaitGroup
	for _, c := range running {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := d.terminate(ctx, c, "", nil, false)
			switch {
			case err == nil:
				d.emitStop(c)
			case !errors.Is(err, errdefs.ErrNotModified):
				d.log.Warn("stop at shutdown", "id", c.ID, "err", err)
			}
		}()
	}
	wg.Wait()
}
