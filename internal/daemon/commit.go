package daemon

import (
	"context"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	containertypes "github.com/moby/moby/api/types/container"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/daemon/files"
	"github.com/berth/berth/internal/image"
)

// ContainerCommit makes an image of the container's writable layer.
func (d *Daemon) ContainerCommit(ctx context.Context, name string, opts backend.ContainerCommitOptions) (string, error) {
	c, err := d.containers.Get(name)
	if err != nil {
		return "", err
	}
	c.Lock()
	running := c.State.Status == "running"
	cfg := *c.Config
	parent := c.Image
	c.Unlock()
	sh, hasShim := d.shimOf(c)
	if opts.Pause && running && hasShim {
		if err := sh.Pause(ctx); err == nil {
			defer func() { _ = sh.Resume(context.WithoutCancel(ctx)) }()
		}
	}
	if opts.Config != nil {
		mergeCommitConfig(&cfg, opts.Config)
	}
	ic := imageConfigOf(&cfg)
	if err := image.ApplyChanges(ic, opts.Changes); err != nil {
		return "", err
	}
	ref := opts.Repo
	if ref != "" && opts.Tag != "" {
		ref += ":" + opts.Tag
	}
	id, err := d.commitLayer(ctx, c.SnapshotKey, parent, image.CommitOptions{
		Ref: ref, Author: opts.Author, Comment: opts.Comment, Config: ic,
		CreatedBy:  strings.Join(cfg.Cmd, " "),
		AfterLayer: func() { crashPoint("commit-after-layer") },
	})
	if err != nil {
		return "", err
	}
	imageRef := d.imageService.EventTagged(id.String(), opts.Repo, opts.Tag) // "" without a reference
	d.emit("container", "commit", c, map[string]string{"comment": opts.Comment, "imageID": id.String(), "imageRef": imageRef})
	return id.String(), nil
}

// CommitBuildStep makes an image of a build step's container id: its
// writable layer over image parent, with config cfg. Unlike docker commit
// it records no event.
func (d *Daemon) CommitBuildStep(ctx context.Context, id, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string) (string, error) {
	c, err := d.containers.Get(id)
	if err != nil {
		return "", err
	}
	nid, err := d.commitLayer(ctx, c.SnapshotKey, parent, image.CommitOptions{Config: &cfg, CreatedBy: createdBy,
		AfterLayer: func() { crashPoint("build-step-commit") }})
	if err != nil {
		return "", err
	}
	return nid.String(), nil
}

// commitLayer commits the writable layer key over image parent. The mount
// points the runtime created in the layer (/etc/hosts, /proc...) are not
// the container's changes: Docker keeps them in an init layer, berth
// leaves them out of the committed layer.
func (d *Daemon) commitLayer(ctx context.Context, key, parent string, opts image.CommitOptions) (digest.Digest, error) {
	if ch, err := d.snapshotter.Changes(ctx, key); err == nil {
		opts.Exclude = files.AddedMountPoints(ch)
	}
	return d.images.Commit(ctx, key, digest.Digest(parent), opts)
}

func mergeCommitConfig(dst, src *containertypes.Config) {
	if len(src.Cmd) > 0 {
		dst.Cmd = src.Cmd
	}
	if len(src.Entrypoint) > 0 {
		dst.Entrypoint = src.Entrypoint
	}
	if len(src.Env) > 0 {
		dst.Env = src.Env
	}
	if src.WorkingDir != "" {
		dst.WorkingDir = src.WorkingDir
	}
	if src.User != "" {
		dst.User = src.User
	}
	for k, v := range src.Labels {
		if dst.Labels == nil {
			dst.Labels = map[string]string{}
		}
		dst.Labels[k] = v
	}
}

// imageConfigOf converts a container config to an image config.
func imageConfigOf(c *containertypes.Config) *dockerspec.DockerOCIImageConfig {
	ic := &dockerspec.DockerOCIImageConfig{}
	ic.User = c.User
	ic.Env = c.Env
	ic.Entrypoint = c.Entrypoint
	ic.Cmd = c.Cmd
	ic.WorkingDir = c.WorkingDir
	ic.Labels = c.Labels
	ic.StopSignal = c.StopSignal
	ic.Volumes = c.Volumes
	ic.Shell = c.Shell
	ic.Healthcheck = c.Healthcheck
	if len(c.ExposedPorts) > 0 {
		ic.ExposedPorts = map[string]struct{}{}
		for p := range c.ExposedPorts {
			ic.ExposedPorts[p.String()] = struct{}{}
		}
	}
	return ic
}
