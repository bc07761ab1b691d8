package daemon

import (
	"context"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/daemon/files"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/oci"
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
		oci.MergeCommitConfig(&cfg, opts.Config)
	}
	ic := oci.ImageConfigOf(&cfg)
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
