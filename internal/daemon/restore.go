package daemon

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/build"
	"github.com/berth/berth/internal/daemon/volumes"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/shimclient"
	"github.com/berth/berth/internal/snapshot"
)

// restore reconciles the state on disk after a restart: it finishes what a
// crash interrupted (records of incomplete creates and of removals), removes
// bundles and snapshots that belong to no container, and reconnects to the
// shims of running containers (live restore), collecting the exit status of
// those that exited meanwhile.
func (d *Daemon) restore(ctx context.Context) {
	known := map[string]bool{}
	var running []*container.Container
	for _, c := range d.containers.List() {
		// No start is under way: subpaths staged by one a crash cut short
		// are unmounted, whatever the container's state.
		if err := volumes.UnstageSubpaths(d.bundleDir(c.ID)); err != nil {
			d.log.Warn("restore: unstage volume subpaths", "id", c.ID, "err", err)
		}
		_, buildStep := c.Config.Labels[build.StepLabel] // of a build that died with the daemon
		if c.Incomplete || buildStep || c.State.Status == container.StatusRemoving || c.State.Status == container.StatusDead {
			d.log.Info("restore: removing half-made or half-removed container", "id", c.ID)
			if sh, err := shimclient.Connect(ctx, d.shimDir(c.ID)); err == nil {
				_ = sh.DeleteForce(ctx)
				_ = sh.Close()
			}
			_ = os.RemoveAll(d.shimDir(c.ID))
			d.cleanupContainer(ctx, c)
			continue
		}
		known[c.ID] = true
		if c.State.Status == container.StatusRestarting {
			// Killed between two runs of a restart policy: resume it.
			c.State.Status = container.StatusExited
			_ = d.containers.Save(c)
			d.restartLater(c)
			continue
		}
		if !c.State.Running() {
			d.adoptOrClean(ctx, c)
			d.restartLater(c) // if its policy says so: e.g. stopped by a shutdown with live-restore off
			continue
		}
		d.volumes.Hold(c)
		running = append(running, c)
	}
	d.reconnectAll(ctx, running)
	// Bundles and shim dirs of no container.
	if entries, err := os.ReadDir(filepath.Join(d.execRoot, "b")); err == nil {
		for _, e := range entries {
			if !known[e.Name()] {
				p := filepath.Join(d.execRoot, "b", e.Name())
				_ = mount.UnmountAll(p + "/rootfs")
				_ = mount.Unmount(p + "/shm")
				if err := volumes.RemoveBundle(p); err != nil {
					d.log.Warn("restore: remove bundle", "dir", p, "err", err)
				}
			}
		}
	}
	// Shim dirs of no container: an auto-removed container whose shim was
	// still being deleted when the daemon died.
	knownShort := map[string]bool{}
	for id := range known {
		knownShort[container.ShortID(id)] = true
	}
	if entries, err := os.ReadDir(filepath.Join(d.execRoot, "s")); err == nil {
		for _, e := range entries {
			if knownShort[e.Name()] || !e.IsDir() {
				continue
			}
			dir := filepath.Join(d.execRoot, "s", e.Name())
			if sh, err := shimclient.Connect(ctx, dir); err == nil {
				_ = sh.DeleteForce(ctx)
				_ = sh.Close()
			}
			_ = os.RemoveAll(dir)
		}
	}
	// Container snapshots (active, keyed by a 64-hex id) of no container.
	var orphans []string
	_ = d.snapshotter.Walk(ctx, func(info snapshot.Info) error {
		if info.Kind == snapshot.KindActive && !known[info.Key] && container.IsID(info.Key) {
			orphans = append(orphans, info.Key)
		}
		return nil
	})
	for _, k := range orphans {
		d.log.Info("restore: removing orphan container snapshot", "key", k)
		_ = d.snapshotter.Remove(ctx, k)
	}
}

// reconnectParallel is how many containers reconnectAll takes back at once.
const reconnectParallel = 16

// reconnectAll takes the running containers back, several at a time: each
// asks the monitor for its state, and what a restart waits for is these
// round trips, not the CPU (200 containers one after the other took 2 s on
// a busy machine, with 0.25 s of CPU).
func (d *Daemon) reconnectAll(ctx context.Context, cs []*container.Container) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, reconnectParallel)
	for _, c := range cs {
		sem <- struct{}{}
		wg.Add(1)
		recovery.Go(d.log, "restore "+c.ID, func() {
			defer wg.Done()
			defer func() { <-sem }()
			d.reconnect(ctx, c)
		}, nil)
	}
	wg.Wait()
}

// reconnect takes a running container back under the daemon's watch.
func (d *Daemon) reconnect(ctx context.Context, c *container.Container) {
	dir := c.State.ShimDir
	if dir == "" {
		dir = d.shimDir(c.ID)
	}
	sh, err := shimclient.Connect(ctx, dir)
	if err != nil {
		d.log.Warn("restore: shim is gone; marking the container exited", "id", c.ID, "err", err)
		c.Lock()
		_ = d.unmountRootfs(c)
		d.net.Release(c)
		c.SetStopped(255, false, time.Now())
		_ = d.containers.Save(c)
		restart := c.ShouldRestart()
		c.Unlock()
		if restart { // e.g. after a reboot: the restart policy brings it back
			d.restartLater(c)
		}
		return
	}
	st, err := sh.State(ctx)
	if err == nil && st.Status == shimclient.StatusStopped && st.Exit != nil {
		// Exited while no daemon ran: record it before the API serves.
		d.handleExit(c, sh, *st.Exit)
		return
	}
	if err == nil && st.Pid > 0 {
		c.Lock()
		c.State.Pid = st.Pid
		if st.Status == shimclient.StatusPaused && c.State.Status != container.StatusPaused {
			// Paused by a commit the daemon died in, not by the user.
			if err := sh.Resume(ctx); err != nil {
				c.SetPaused(true)
			}
		}
		c.Unlock()
	}
	c.Lock()
	c.MarkRunning()
	if err := d.res.FinishUpdate(ctx, c); err != nil {
		d.log.Warn("restore: write the limits of an unfinished update", "id", c.ID, "err", err)
	}
	d.procs.StartHealth(c, sh)
	c.Unlock()
	d.shims.Store(c.ID, sh)
	d.monitor(c, sh)
}

// adoptOrClean handles a stopped record whose shim may have outlived a
// crash in the middle of start: a shim whose container runs is adopted
// (the start completed but was not recorded), any other is deleted with
// the endpoints and namespace the start had made, and a rootfs left
// mounted is unmounted.
func (d *Daemon) adoptOrClean(ctx context.Context, c *container.Container) {
	dir := d.shimDir(c.ID)
	if _, err := os.Stat(dir); err != nil {
		_ = d.unmountRootfs(c)
		return
	}
	sh, err := shimclient.Connect(ctx, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		_ = d.unmountRootfs(c)
		d.net.Release(c) // reconcileNetworking kept its endpoints for this shim
		return
	}
	if st, err := sh.State(ctx); err == nil && (st.Status == shimclient.StatusRunning || st.Status == shimclient.StatusPaused) {
		d.log.Info("restore: adopting a container whose start was not recorded", "id", c.ID)
		c.Lock()
		c.SetRunning(st.Pid, dir)
		if st.Status == shimclient.StatusPaused {
			c.SetPaused(true)
		}
		_ = d.containers.Save(c)
		c.Unlock()
		d.shims.Store(c.ID, sh)
		d.monitor(c, sh)
		return
	}
	_ = sh.DeleteForce(ctx)
	_ = sh.Close()
	_ = os.RemoveAll(dir)
	_ = d.unmountRootfs(c)
	d.net.Release(c)
}

// restartLater starts c in the background once the daemon is up, if it
// is stopped and its restart policy brings it back with a daemon.
func (d *Daemon) restartLater(c *container.Container) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		c.Lock()
		ok := !c.State.Running() && c.RestartsWithDaemon()
		c.Unlock()
		if !ok {
			return
		}
		if err := d.start(d.bg, c, nil); err != nil && d.bg.Err() == nil {
			d.log.Warn("restart by policy after daemon start", "id", c.ID, "err", err)
		}
	}()
}

// reconcileNetworking rebuilds the kernel state of the networks for the
// containers that run (live restore).
func (d *Daemon) reconcileNetworking() {
	running := map[string]bool{}
	for _, c := range d.containers.List() {
		c.Lock()
		if c.State.Running() || c.State.Status == container.StatusPaused {
			running[c.ID] = true
		} else if _, err := os.Stat(d.shimDir(c.ID)); err == nil {
			running[c.ID] = true // a start the crash left unrecorded: restore adopts or cleans it
		}
		c.Unlock()
	}
	d.net.Reconcile(running)
}
