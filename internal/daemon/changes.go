package daemon

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	containertypes "github.com/moby/moby/api/types/container"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/snapshot"
)

// ContainerChanges lists what the container changed in its rootfs.
func (d *Daemon) ContainerChanges(ctx context.Context, name string) ([]containertypes.FilesystemChange, error) {
	c, err := d.containers.Get(name)
	if err != nil {
		return nil, err
	}
	ch, err := d.snapshotter.Changes(ctx, c.SnapshotKey)
	if err != nil {
		return nil, fmt.Errorf("changes of container %s: %w", c.ID, err)
	}
	out := make([]containertypes.FilesystemChange, 0, len(ch))
	ch = hideMountPoints(ch)
	for _, x := range ch {
		k := containertypes.ChangeModify
		switch x.Kind {
		case snapshot.Added:
			k = containertypes.ChangeAdd
		case snapshot.Deleted:
			k = containertypes.ChangeDelete
		}
		out = append(out, containertypes.FilesystemChange{Kind: k, Path: x.Path})
	}
	return out, nil
}

// withRootfs runs fn with the container's merged rootfs: the mounted one of
// a running container, else a temporary mount.
func (d *Daemon) withRootfs(ctx context.Context, name string, fn func(root string) error) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	running := c.State.Running()
	c.Unlock()
	if running {
		return fn(d.bundleDir(c.ID) + "/rootfs")
	}
	ms, err := d.snapshotter.Mounts(ctx, c.SnapshotKey)
	if err != nil {
		return fmt.Errorf("mounts of container %s: %w", c.ID, err)
	}
	return withTempMount(ms, fn)
}

// ContainerExport writes a tar of the container's rootfs. The walk runs on
// a thread chrooted into the rootfs (mount.InRoot), as docker cp's: a
// running container that swaps a directory for a symlink mid-walk leads it
// only to its own files (CVE-2018-15664).
func (d *Daemon) ContainerExport(ctx context.Context, name string, w io.Writer) error {
	c, err := d.containers.Get(name)
	if err != nil {
		return err
	}
	err = d.withRootfs(ctx, name, func(root string) error {
		return mount.InRoot(root, nil, func() error {
			// Buffered: the thread is locked, and each write to the
			// client would cost a hand-off between OS threads.
			bw := bufio.NewWriterSize(w, 256<<10)
			if err := archive.TarDir(ctx, bw, "/"); err != nil {
				return err
			}
			return bw.Flush()
		})
	})
	if err == nil {
		d.emit("container", "export", c, nil)
	}
	return err
}

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
	// The mount points the runtime created in the writable layer
	// (/etc/hosts, /proc...) are not the container's changes: Docker keeps
	// them in an init layer, berth leaves them out of the committed layer.
	var exclude []string
	if ch, err := d.snapshotter.Changes(ctx, c.SnapshotKey); err == nil {
		for _, x := range ch {
			if x.Kind == snapshot.Added && runtimeMountPoints[x.Path] {
				exclude = append(exclude, x.Path)
			}
		}
	}
	id, err := d.images.Commit(ctx, c.SnapshotKey, digest.Digest(parent), image.CommitOptions{
		Ref: ref, Author: opts.Author, Comment: opts.Comment, Config: ic,
		CreatedBy:  strings.Join(cfg.Cmd, " "),
		Exclude:    exclude,
		AfterLayer: func() { crashPoint("commit-after-layer") },
	})
	if err != nil {
		return "", err
	}
	d.emit("container", "commit", c, map[string]string{"comment": opts.Comment})
	return id.String(), nil
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

// mountPoints are files and dirs the runtime creates in the rootfs as
// mount targets; Docker keeps them in an init layer, so diff never shows
// them.
var runtimeMountPoints = map[string]bool{
	"/etc/hostname": true, "/etc/hosts": true, "/etc/resolv.conf": true, "/dev": true, "/proc": true,
	"/sys": true, "/dev/pts": true, "/dev/shm": true, "/dev/mqueue": true, "/dev/console": true,
}

// hideMountPoints drops additions of runtime mount points, and a directory
// modification that only they caused.
func hideMountPoints(ch []snapshot.Change) []snapshot.Change {
	var out []snapshot.Change
	children := map[string]int{}
	for _, x := range ch {
		if x.Kind == snapshot.Added && runtimeMountPoints[x.Path] {
			continue
		}
		out = append(out, x)
		children[path.Dir(x.Path)]++
	}
	res := out[:0]
	for _, x := range out {
		if x.Kind == snapshot.Modified && children[x.Path] == 0 && (x.Path == "/etc" || x.Path == "/dev") {
			continue
		}
		res = append(res, x)
	}
	return res
}
