package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/resources"
	"github.com/berth/berth/internal/daemon/volumes"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/oci"
)

// ContainerCreate creates a container from req: the image resolves, the
// writable snapshot is prepared, the record is stored. The record is
// written first, marked incomplete, so that a crash at any point leaves
// something startup can clean up. ext holds berth's extensions of the
// HostConfig.
func (d *Daemon) ContainerCreate(ctx context.Context, name string, req containertypes.CreateRequest, ext backend.ContainerCreateExtensions) (containertypes.CreateResponse, error) {
	var resp containertypes.CreateResponse
	cfg := *req.Config
	hc := req.HostConfig
	if hc == nil {
		hc = &containertypes.HostConfig{}
	}
	if err := validateHostConfig(hc, d.defaultLogDriver()); err != nil {
		return resp, err
	}
	if err := d.net.ValidateNames(hc); err != nil {
		return resp, err
	}
	onFailure, err := healthOnFailure(ext.HealthOnFailure)
	if err != nil {
		return resp, err
	}
	if hc.Init != nil && *hc.Init && !d.init.Available() {
		return resp, d.init.Unavailable()
	}
	if _, err := d.runtimeArgv(hc.Runtime); err != nil {
		return resp, err
	}
	if wd := cfg.WorkingDir; wd != "" && !path.IsAbs(wd) {
		return resp, errdefs.InvalidParameter(fmt.Errorf("the working directory '%s' is invalid, it needs to be an absolute path", wd))
	}
	imageID, chainID, err := d.createImage(ctx, &cfg, hc, ext.Infra)
	if err != nil {
		return resp, err
	}

	plan, err := d.volumes.Plan(&cfg, hc)
	if err != nil {
		return resp, err
	}

	id := container.GenerateID()
	if name, err = d.reserveName(name, id); err != nil {
		return resp, err
	}
	if cfg.Hostname == "" {
		if hc.NetworkMode.IsHost() {
			cfg.Hostname, _ = os.Hostname()
		} else {
			cfg.Hostname = container.ShortID(id)
		}
	}
	d.cfg.ContainerDefaults.Apply(hc, d.defaultLogDriver())
	warnings := d.res.Adapt(&hc.Resources)
	oci.HostConfigDefaults(hc, d.cgroupV2)
	d.res.DefaultSwap(&hc.Resources)
	if err := d.net.Normalize(hc, &req.NetworkingConfig); err != nil {
		d.containers.Release(name)
		return resp, err
	}
	if hc.Runtime == "" {
		hc.Runtime = d.config().DefaultRuntime
	}

	c := container.New(id, "/"+name)
	c.Config = &cfg
	c.HostConfig = hc
	c.NetworkingConfig = req.NetworkingConfig
	c.Image = imageID
	c.ImageName = req.Config.Image
	c.Driver = d.storageDriver
	c.SnapshotKey = id
	c.Runtime = hc.Runtime
	c.StopSignal = cfg.StopSignal
	c.HealthOnFailure, c.PortHandover = onFailure, ext.PortHandover // berth's extensions
	c.LogPath = logger.PathIn(d.containerDir(id), id, hc.LogConfig.Type)
	c.Namespace, c.LogFormat = ext.Namespace, ext.LogFormat
	if ext.LogPath != "" {
		c.LogPath = ext.LogPath
	}
	args := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...)
	if ext.Infra {
		args = append([]string{oci.InitPath}, d.init.Args...)
	}
	c.Path, c.Args = args[0], args[1:]
	c.Incomplete = true

	if err := d.containers.Add(c); err != nil {
		d.containers.Release(name)
		return resp, err
	}
	crashPoint("create-after-record")
	if err := d.volumes.Attach(c, plan); err != nil {
		d.cleanupContainer(ctx, c)
		return resp, err
	}
	if err := d.createResources(ctx, c, chainID); err != nil {
		d.cleanupContainer(ctx, c)
		d.volumes.RemoveAnonymous(c)
		return resp, err
	}
	crashPoint("create-after-snapshot")
	// The save waits for the store's other writers and the disk: ps and
	// inspect meanwhile show c as last saved (incomplete, so not listed).
	c.Lock()
	c.Busy(true)
	c.Incomplete = false
	err = d.containers.Save(c)
	c.Busy(false)
	c.Unlock()
	if err != nil {
		d.cleanupContainer(ctx, c)
		return resp, err
	}
	d.emit("container", "create", c, nil)
	if warnings == nil {
		warnings = []string{}
	}
	return containertypes.CreateResponse{ID: id, Warnings: warnings}, nil
}

// reserveName checks the name a create asks for, or makes one up, and
// reserves it for id.
func (d *Daemon) reserveName(name, id string) (string, error) {
	if name == "" {
		name = container.GenerateName(d.containers.NameTaken)
	} else if short := strings.TrimPrefix(name, "/"); container.ValidName(short) {
		name = short
	} else {
		return "", errdefs.InvalidParameter(fmt.Errorf("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name))
	}
	return name, d.containers.Reserve(name, id)
}

// createImage resolves the image of a create and merges its config into
// cfg; it returns the image's ID and the chain ID of its top layer. An
// infra container has no image: its root is empty, and berth's own init,
// given no command, is its process (hc.Init set).
func (d *Daemon) createImage(ctx context.Context, cfg *containertypes.Config, hc *containertypes.HostConfig, infra bool) (string, string, error) {
	if infra {
		if !d.init.Available() || len(d.init.Args) == 0 {
			return "", "", errdefs.Unavailable(errors.New("an infra container needs berth's own init (a static berth binary)"))
		}
		on := true
		hc.Init = &on
		cfg.Image, cfg.Entrypoint, cfg.Cmd = "", nil, nil
		return "", "", nil
	}
	if cfg.Image == "" {
		return "", "", errdefs.InvalidParameter(errors.New("no image specified"))
	}
	img, err := d.images.Get(ctx, cfg.Image)
	if err != nil {
		return "", "", err
	}
	oci.MergeImageConfig(cfg, &img.Config.Config)
	if len(cfg.Entrypoint) == 0 && len(cfg.Cmd) == 0 {
		return "", "", errdefs.InvalidParameter(errors.New("no command specified"))
	}
	return img.ID.String(), img.ChainID(), nil
}

// createResources makes the container's dir, files and writable snapshot.
func (d *Daemon) createResources(ctx context.Context, c *container.Container, parent string) error {
	if err := os.MkdirAll(d.containerDir(c.ID), 0o710); err != nil {
		return fmt.Errorf("create dir of container %s: %w", c.ID, err)
	}
	if err := d.net.CreateEtcFiles(c); err != nil {
		return err
	}
	if _, err := d.snapshotter.Prepare(ctx, c.SnapshotKey, parent); err != nil {
		return fmt.Errorf("prepare snapshot of container %s: %w", c.ID, err)
	}
	return d.imageMounts.Create(ctx, c)
}

// cleanupContainer removes everything of c: rootfs mount, bundle, snapshots,
// dirs, record and name. Errors are logged: it runs on failure paths and at
// startup.
func (d *Daemon) cleanupContainer(ctx context.Context, c *container.Container) {
	if err := d.unmountRootfs(c); err != nil {
		d.log.Warn("cleanup: unmount rootfs", "id", c.ID, "err", err)
	}
	d.net.Release(c)
	if err := volumes.RemoveBundle(d.bundleDir(c.ID)); err != nil {
		d.log.Warn("cleanup: remove bundle", "id", c.ID, "err", err)
	}
	if c.SnapshotKey != "" && d.snapshotter.Exists(ctx, c.SnapshotKey) {
		if err := d.snapshotter.Remove(ctx, c.SnapshotKey); err != nil {
			d.log.Warn("cleanup: remove snapshot", "id", c.ID, "err", err)
		}
	}
	d.imageMounts.Remove(ctx, c)
	crashPoint("rm-after-snapshot")
	if err := os.RemoveAll(d.containerDir(c.ID)); err != nil {
		d.log.Warn("cleanup: remove container dir", "id", c.ID, "err", err)
	}
	if err := d.containers.Delete(c); err != nil {
		d.log.Warn("cleanup: delete record", "id", c.ID, "err", err)
	}
	d.containers.Release(c.Name)
}

// validateHostConfig checks hc (its log with defaultLog when it names none).
func validateHostConfig(hc *containertypes.HostConfig, defaultLog string) error {
	if err := logger.Validate(cmp.Or(hc.LogConfig.Type, defaultLog), hc.LogConfig.Config); err != nil {
		return errdefs.InvalidParameter(err)
	}
	if _, err := oci.UserMounts(hc); err != nil {
		return errdefs.InvalidParameter(err)
	}
	if _, err := oci.Capabilities(hc.Privileged, hc.CapAdd, hc.CapDrop); err != nil {
		return errdefs.InvalidParameter(err)
	}
	if err := resources.Validate(&hc.Resources); err != nil {
		return err
	}
	if err := resources.ValidateSecurity(hc); err != nil {
		return err
	}
	if p := hc.RestartPolicy.Name; p != "" && p != "no" && hc.AutoRemove {
		return errdefs.InvalidParameter(errors.New("can't create 'AutoRemove' container with restart policy"))
	}
	return validateRestartPolicy(hc.RestartPolicy)
}

// validateRestartPolicy checks a policy by dockerd's rules and words: a
// known name, a retry count only with on-failure and never negative.
func validateRestartPolicy(p containertypes.RestartPolicy) error {
	if err := containertypes.ValidateRestartPolicy(p); err != nil {
		return errdefs.InvalidParameter(err)
	}
	return nil
}
