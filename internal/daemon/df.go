package daemon

import (
	"context"
	"time"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend"
)

// SystemDiskUsage returns GET /system/df: containers with their sizes and,
// from the image service, images and the size of their layers.
func (d *Daemon) SystemDiskUsage(ctx context.Context) (*backend.DiskUsage, error) {
	du := &backend.DiskUsage{Images: []any{}, Containers: []any{}, Volumes: []any{}, BuildCache: []any{}}
	now := time.Now()
	cu := &containertypes.DiskUsage{Items: []containertypes.Summary{}}
	for _, c := range d.containers.List() {
		c.Lock()
		if c.Incomplete {
			c.Unlock()
			continue
		}
		s := d.summary(c, now)
		running := c.State.Running()
		c.Unlock()
		if rw, rootfs, ok := d.containerSizes(ctx, c.SnapshotKey, c.Image); ok {
			s.SizeRw, s.SizeRootFs = rw, rootfs
		}
		cu.TotalCount++
		cu.TotalSize += s.SizeRw
		if running {
			cu.ActiveCount++
		} else {
			cu.Reclaimable += s.SizeRw
		}
		cu.Items = append(cu.Items, s)
		du.Containers = append(du.Containers, s)
	}
	du.ContainerUsage = cu
	if iu, err := d.imageService.DiskUsage(ctx); err == nil {
		for _, s := range iu.Items {
			du.Images = append(du.Images, s)
		}
		du.LayersSize = iu.TotalSize
		du.ImageUsage = iu
	}
	vols, vu := d.volumes.DiskUsage()
	for _, v := range vols {
		du.Volumes = append(du.Volumes, v)
	}
	du.VolumeUsage = vu
	du.BuildCacheUsage = d.build.CacheUsage()
	for _, r := range du.BuildCacheUsage.Items {
		du.BuildCache = append(du.BuildCache, r)
	}
	return du, nil
}
