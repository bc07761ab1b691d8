// Package imagemounts owns a container's image mounts (--mount type=image,
// the CRI's Mount.image), which show another image's file system,
// read-only, at a path of the container: each is a view snapshot of the
// image's layers, keyed <container-id>-image-<i> (i its index in
// HostConfig.Mounts), made at create, mounted at <bundle>/image-<i> at
// start, unmounted with the rootfs and removed with the container.
package imagemounts

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	securejoin "github.com/cyphar/filepath-securejoin"
	mounttypes "github.com/moby/moby/api/types/mount"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/snapshot"
)

// Manager makes, mounts and removes the image mounts of containers.
type Manager struct {
	Images      *image.Store
	Snapshotter snapshot.Snapshotter
	Log         *slog.Logger
	// BundleDir is the OCI bundle of a container, where its mounts go.
	BundleDir func(id string) string
}

// imageMountKey is the snapshot key of c's image mount i.
func imageMountKey(id string, i int) string { return id + "-image-" + strconv.Itoa(i) }

// imageMounts are the indexes of c's image mounts in HostConfig.Mounts.
func imageMounts(c *container.Container) []int {
	var out []int
	if c.HostConfig == nil {
		return nil
	}
	for i, m := range c.HostConfig.Mounts {
		if m.Type == mounttypes.TypeImage {
			out = append(out, i)
		}
	}
	return out
}

// dir is where c's image mount i is mounted at start.
func (d *Manager) dir(c *container.Container, i int) string {
	return filepath.Join(d.BundleDir(c.ID), "image-"+strconv.Itoa(i))
}

// imageMountSubpath is the path inside the image that mount m shows.
func imageMountSubpath(m mounttypes.Mount) string {
	if m.ImageOptions != nil {
		return m.ImageOptions.Subpath
	}
	return ""
}

// Mounted are the IDs of the images c mounts (those that still exist).
func (d *Manager) Mounted(ctx context.Context, c *container.Container) []string {
	var ids []string
	for _, i := range imageMounts(c) {
		if img, err := d.Images.Get(ctx, c.HostConfig.Mounts[i].Source); err == nil {
			ids = append(ids, img.ID.String())
		}
	}
	return ids
}

// Create makes the view snapshots of c's image mounts; a
// subpath must be a directory of the image. On error the caller's cleanup
// removes what was made.
func (d *Manager) Create(ctx context.Context, c *container.Container) error {
	for _, i := range imageMounts(c) {
		m := c.HostConfig.Mounts[i]
		img, err := d.Images.Get(ctx, m.Source)
		if err != nil {
			return err
		}
		ms, err := d.Snapshotter.View(ctx, imageMountKey(c.ID, i), img.ChainID())
		if err != nil {
			return fmt.Errorf("image mount %s: %w", m.Target, err)
		}
		sub := imageMountSubpath(m)
		if sub == "" {
			continue
		}
		err = mount.WithTempMount(ms, func(root string) error {
			p, err := securejoin.SecureJoin(root, sub)
			if err != nil {
				return err
			}
			if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
				return errdefs.InvalidParameter(fmt.Errorf("image mount %s: subpath %q is not a directory of image %s", m.Target, sub, m.Source))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SpecMounts mounts c's image views in its bundle and returns their
// read-only binds for the spec.
func (d *Manager) SpecMounts(ctx context.Context, c *container.Container) ([]specs.Mount, error) {
	var out []specs.Mount
	for _, i := range imageMounts(c) {
		m := c.HostConfig.Mounts[i]
		dir := d.dir(c, i)
		if !mount.IsMountPoint(dir) {
			ms, err := d.Snapshotter.Mounts(ctx, imageMountKey(c.ID, i))
			if err != nil {
				return nil, fmt.Errorf("image mount %s: %w", m.Target, err)
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			if err := mount.All(ms, dir); err != nil {
				return nil, err
			}
		}
		src, err := securejoin.SecureJoin(dir, imageMountSubpath(m))
		if err != nil {
			return nil, err
		}
		out = append(out, specs.Mount{Destination: filepath.Clean(m.Target), Type: "bind", Source: src, Options: []string{"rbind", "ro", "rprivate"}})
	}
	return out, nil
}

// Unmount unmounts c's image views from its bundle.
func (d *Manager) Unmount(c *container.Container) error {
	for _, i := range imageMounts(c) {
		if err := mount.Unmount(d.dir(c, i)); err != nil {
			return err
		}
	}
	return nil
}

// Remove removes the view snapshots of c's image mounts.
func (d *Manager) Remove(ctx context.Context, c *container.Container) {
	for _, i := range imageMounts(c) {
		key := imageMountKey(c.ID, i)
		if !d.Snapshotter.Exists(ctx, key) {
			continue
		}
		if err := d.Snapshotter.Remove(ctx, key); err != nil {
			d.Log.Warn("cleanup: remove image mount snapshot", "id", c.ID, "key", key, "err", err)
		}
	}
}
