package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/sys/atomicwriter"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/netglue"
	"github.com/berth/berth/internal/daemon/resources"
	"github.com/berth/berth/internal/daemon/volumes"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/oci"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/shimclient"
)

// ContainerStart starts a created or stopped container: rootfs mounted,
// spec generated, bundle written, the shim creates and starts the process.
func (d *Daemon) ContainerStart(ctx context.Context, name string) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	return d.start(context.WithoutCancel(ctx), c, nil)
}

// start starts c; beforeStart, if set, runs once the shim created the
// container but before its process starts (attach registers there).
func (d *Daemon) start(ctx context.Context, c *container.Container, beforeStart func(*shimclient.Shim) error) (retErr error) {
	c.Lock()
	defer c.Unlock()
	c.Busy(true) // ps and inspect meanwhile show c as last saved
	defer c.Busy(false)
	if c.State.Running() && c.State.Status != container.StatusRestarting {
		return errdefs.NotModified(fmt.Errorf("container %s is already running", c.ID))
	}
	if c.HostConfig.Init != nil && *c.HostConfig.Init && !d.init.Available() {
		return d.init.Unavailable()
	}
	if err := c.SetStarting(); err != nil {
		return err
	}
	if c.Incomplete {
		return errdefs.Conflict(fmt.Errorf("container %s is not fully created", c.ID))
	}
	c.ManualStop = false
	d.waitShimDeleted(c.ID)
	var sh *shimclient.Shim
	defer func() {
		if retErr != nil {
			retErr = d.startFailed(ctx, c, sh, retErr)
		}
	}()
	leave := d.starts.Enter()
	defer leave()
	t0 := time.Now()
	if err := d.writeSpec(ctx, c); err != nil {
		return err
	}
	tSpec := time.Now()
	sh, err := d.startShim(ctx, c)
	if err != nil {
		return err
	}
	d.procs.AttachPending(c, sh)
	if beforeStart != nil {
		if err := beforeStart(sh); err != nil {
			return err
		}
	}
	crashPoint("start-after-shim")
	// The runtime made the container's mounts: the staged subpaths are done.
	if err := volumes.UnstageSubpaths(d.bundleDir(c.ID)); err != nil {
		d.log.Warn("unstage volume subpaths", "id", c.ID, "err", err)
	}
	tCreated := time.Now()
	if err := sh.Start(ctx); err != nil {
		return err
	}
	leave()
	d.log.Debug("container started", "id", c.ID, "prepare", tSpec.Sub(t0), "create", tCreated.Sub(tSpec), "start", time.Since(tCreated))
	crashPoint("start-after-start")
	c.SetRunning(sh.Pid(), d.shimDir(c.ID))
	c.State.Health = nil
	d.procs.StartHealth(c, sh)
	if err := d.containers.Save(c); err != nil {
		d.log.Error("save running state", "id", c.ID, "err", err)
	}
	d.shims.Store(c.ID, sh)
	d.monitor(c, sh)
	d.emit("container", "start", c, nil)
	return nil
}

// startFailed undoes what a failed start of c took (shim, rootfs, network,
// volumes, queued attaches), records the failure as Docker does (exit code
// 126, 127 or 128, a "die" event, auto-removal) and returns the error to
// report: a command that cannot run is the caller's invalid parameter.
func (d *Daemon) startFailed(ctx context.Context, c *container.Container, sh *shimclient.Shim, err error) error {
	if sh != nil {
		_ = sh.DeleteForce(ctx)
		_ = sh.Close()
	}
	_ = d.unmountRootfs(c)
	d.net.Release(c)
	d.volumes.Release(c)
	d.procs.DropPending(c.ID)
	msg := err.Error()
	code := container.StartErrorCode(msg)
	c.SetStartError(code, msg)
	_ = d.containers.Save(c)
	d.emit("container", "die", c, map[string]string{"exitCode": fmt.Sprint(code)})
	if (code == 127 || code == 126) && !errdefs.IsInvalidParameter(err) && !errdefs.IsNotFound(err) {
		err = errdefs.InvalidParameter(err)
	}
	if c.HostConfig.AutoRemove {
		id := c.ID
		recovery.Go(d.log, "auto-remove "+id, func() { _ = d.ContainerRemove(d.bg, id, true, true) }, nil)
	}
	return err
}

// writeSpec prepares everything c's process needs — rootfs, user, working
// directory, volumes, devices, network — and writes its OCI spec into the
// bundle.
func (d *Daemon) writeSpec(ctx context.Context, c *container.Container) error {
	if err := d.net.CheckLinks(c); err != nil {
		return err
	}
	rootfs, err := d.mountRootfs(ctx, c)
	if err != nil {
		return err
	}
	user, err := resolveUser(rootfs, c.Config.User, c.HostConfig.GroupAdd)
	if err != nil {
		return errdefs.InvalidParameter(err)
	}
	if err := mount.MakeDirs(rootfs, c.Config.WorkingDir, int(user.UID), int(user.GID)); errors.Is(err, mount.ErrNotDir) {
		return errdefs.InvalidParameter(fmt.Errorf("Cannot mkdir: %s is not a directory", c.Config.WorkingDir))
	} else if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	volumeMounts, err := d.volumes.SpecMounts(c, rootfs, d.bundleDir(c.ID))
	if err != nil {
		return err
	}
	imageMounts, err := d.imageMounts.SpecMounts(ctx, c)
	if err != nil {
		return err
	}
	devices, err := resources.Devices(c.HostConfig)
	if err != nil {
		return err
	}
	shm, err := d.shmPath(c)
	if err != nil {
		return err
	}
	netns, err := d.net.Setup(ctx, c)
	if err != nil {
		return err
	}
	spec, err := oci.Generate(oci.Options{
		ShmPath: shm,
		Devices: devices, HostCapabilities: d.hostCaps, VolumeMounts: append(volumeMounts, imageMounts...),
		ID: c.ID, Config: c.Config, HostConfig: c.HostConfig, Rootfs: "rootfs",
		ContainerDir: d.containerDir(c.ID), User: user,
		CgroupParent: d.cfg.CgroupParent, CgroupV2: d.cgroupV2,
		Seccomp: oci.DefaultSeccomp, SeccompProfile: oci.LoadSeccomp, InitBinary: d.init.Path, InitArgs: d.init.Args,
		LinkEnv: d.net.LinkEnv(c),
	})
	if err != nil {
		return errdefs.InvalidParameter(err)
	}
	netglue.SetNetNSPath(spec, netns)
	if err := d.joinNamespaces(spec, c); err != nil {
		return err
	}
	for _, w := range resources.ClampRlimits(spec) {
		d.log.Warn("clamp ulimit", "id", c.ID, "warning", w)
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("encode spec of %s: %w", c.ID, err)
	}
	if err := atomicwriter.WriteFile(filepath.Join(d.bundleDir(c.ID), "config.json"), data, 0o600); err != nil {
		return fmt.Errorf("write spec of %s: %w", c.ID, err)
	}
	return nil
}

// startShim starts c's shim, which creates the container with the runtime
// (its process waits for sh.Start).
func (d *Daemon) startShim(ctx context.Context, c *container.Container) (*shimclient.Shim, error) {
	argv, err := d.runtimeArgv(c.Runtime)
	if err != nil {
		return nil, err
	}
	dir := d.shimDir(c.ID)
	_ = os.RemoveAll(dir)
	driver, opts := c.HostConfig.LogConfig.Type, c.HostConfig.LogConfig.Config
	if c.LogFormat == logger.CRI { // the log the CRI asked for, at its path
		driver, opts = logger.CRI, nil
	}
	lg, err := logger.Resolve(driver, opts, c.LogPath, logger.Info{ID: c.ID, Name: c.Name, ImageID: c.Image,
		ImageName: c.ImageName, Path: c.Path, Args: c.Args, Labels: c.Config.Labels, Env: c.Config.Env})
	if err != nil {
		return nil, err
	}
	return shimclient.Start(ctx, shimclient.Config{
		ID: c.ID, Bundle: d.bundleDir(c.ID), StateDir: dir, Runtime: argv,
		Log: lg.Config, LogPath: lg.Path, LogMaxSize: lg.MaxSize, LogMaxFiles: lg.MaxFiles,
		Terminal: c.Config.Tty, OpenStdin: c.Config.OpenStdin, StdinOnce: c.Config.StdinOnce,
		Binary: d.binary, RunOnCreate: true, MonitorDir: d.monitorDir(),
	})
}

// resolveUser reads the image's passwd and group files inside rootfs
// safely (symlinks resolved within the rootfs).
func resolveUser(rootfs, spec string, groupAdd []string) (oci.User, error) {
	open := func(p string) io.Reader {
		fp, err := securejoin.SecureJoin(rootfs, p)
		if err != nil {
			return nil
		}
		data, err := os.ReadFile(fp)
		if err != nil {
			return nil
		}
		return bytes.NewReader(data)
	}
	return oci.ResolveUser(spec, open("/etc/passwd"), open("/etc/group"), groupAdd)
}

// monitor has the container's exit handled when it comes; no goroutine
// waits for it meanwhile (shimclient.Shim.Notify).
func (d *Daemon) monitor(c *container.Container, sh *shimclient.Shim) {
	d.wg.Add(1)
	sh.Notify(d.bg, func(ex shimclient.Exit, err error) {
		recovery.Go(d.log, "monitor "+c.ID, func() {
			defer d.wg.Done()
			if d.bg.Err() != nil {
				return // daemon shutting down: the container lives on (live restore)
			}
			if err != nil {
				d.log.Error("wait for container", "id", c.ID, "err", err)
				// The monitor is gone: have the runtime kill the container
				// before it is recorded as exited, so that ps never shows
				// exited a process that still runs.
				d.runtimeDeleteForce(c)
				ex = shimclient.Exit{Code: 255, ExitedAt: time.Now()}
			}
			d.handleExit(c, sh, ex)
		}, nil)
	})
}

// handleExit records the end of c's process and cleans up its runtime
// state; it applies auto-removal and the restart policy.
func (d *Daemon) handleExit(c *container.Container, sh *shimclient.Shim, ex shimclient.Exit) {
	ctx := d.bg
	t0 := time.Now()
	c.Lock()
	autoRemove := c.HostConfig.AutoRemove
	c.Unlock()
	deleted := make(chan struct{})
	d.deleting.Store(c.ID, deleted)
	deleteShim := func() {
		defer func() {
			d.deleting.Delete(c.ID)
			close(deleted)
		}()
		if autoRemove {
			crashHold("autoremove-after-remove")
		}
		if err := sh.Delete(ctx); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			d.log.Warn("delete shim", "id", c.ID, "err", err)
			if err := sh.DeleteForce(ctx); err != nil {
				// The shim itself is gone: have the runtime kill and forget
				// the container so that it can start again.
				d.runtimeDeleteForce(c)
			}
		}
		_ = sh.Close()
	}
	// The init has exited, so the runtime's delete (another process) only
	// forgets it and removes its cgroup: let it run while the exit is
	// recorded (and, for `run --rm`, the record and the snapshot removed),
	// so that waiters, `stop` and `rm -f` are answered sooner. A new start
	// waits for it (waitShimDeleted); handleExit still returns only after
	// it. A crash in between leaves the shim dir of a stopped container, or
	// of no container, which restore deletes.
	recovery.Go(d.log, "delete shim of "+c.ID, deleteShim, nil)
	defer func() {
		if autoRemove {
			crashPoint("autoremove-after-remove")
		}
		<-deleted
	}()
	d.procs.StopHealth(c.ID)
	d.shims.Delete(c.ID)
	d.procs.ForgetExecs(c.ID)
	c.Lock()
	_ = d.unmountRootfs(c)
	d.net.ReleasePorts(c)
	d.volumes.Release(c)
	// die before SetStopped wakes what waits for the stop (stop, restart,
	// wait), as dockerd orders them; emit does not take c's lock, and who
	// inspects c on the event waits for the lock, so sees it stopped.
	if ex.OOMKilled {
		d.emit("container", "oom", c, nil)
	}
	d.emit("container", "die", c, map[string]string{"exitCode": fmt.Sprint(ex.Code)})
	c.SetStopped(ex.Code, ex.OOMKilled, ex.ExitedAt)
	// An auto-removed container is marked removing (and saved) next: its
	// exit need not reach the disk first.
	if !autoRemove || c.ShouldRestart() {
		if err := d.containers.Save(c); err != nil {
			d.log.Error("save exit", "id", c.ID, "err", err)
		}
	}
	// After the stop is visible (waiters return), still under the lock so
	// that a new start cannot begin before the old network is released.
	d.net.Release(c)
	restart := c.ShouldRestart() && !c.HostConfig.AutoRemove && !d.shuttingDown.Load()
	healthRestart := restart && c.HealthRestart
	c.HealthRestart = false
	var delay time.Duration
	if restart {
		// Docker's "restarting" state: counted now, started after the
		// back-off.
		c.State.Status = container.StatusRestarting
		c.RestartCount++
		delay = c.NextRestartDelay(c.State.FinishedAt.Sub(c.State.StartedAt))
		_ = d.containers.Save(c)
	}
	auto := c.HostConfig.AutoRemove
	c.Unlock()
	tStopped := time.Now()
	var removal time.Duration
	switch {
	case auto:
		if err := d.ContainerRemove(ctx, c.ID, true, true); err != nil && !errdefs.IsNotFound(err) && !errdefs.IsConflict(err) {
			d.log.Warn("auto-remove", "id", c.ID, "err", err)
		}
		removal = time.Since(tStopped)
	case restart:
		recovery.Go(d.log, "restart "+c.ID, func() {
			time.Sleep(delay)
			c.Lock()
			still := c.State.Status == container.StatusRestarting
			c.Unlock()
			if !still {
				return // stopped or removed meanwhile
			}
			if err := d.start(ctx, c, nil); err != nil {
				d.log.Warn("restart by policy", "id", c.ID, "err", err)
			} else if healthRestart {
				d.emit("container", "restart", c, nil)
			}
		}, nil)
	}
	d.log.Debug("container exited", "id", c.ID, "record", tStopped.Sub(t0), "remove", removal)
}

// waitShimDeleted waits until the runtime's delete of the container id's
// last exited process is done, if one is under way: the runtime state of
// the next start has the same name.
func (d *Daemon) waitShimDeleted(id string) {
	if ch, ok := d.deleting.Load(id); ok {
		<-ch.(chan struct{})
	}
}
