package daemon

import (
	"context"
	"time"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/backend/filters"
)

// ContainerPrune removes stopped containers matching the until and label
// filters.
func (d *Daemon) ContainerPrune(ctx context.Context, f filters.Args) (*containertypes.PruneReport, error) {
	if err := f.Validate("until", "label", "label!"); err != nil {
		return nil, err
	}
	var until time.Time
	for _, u := range f.Get("until") {
		t, err := backend.ParseTime(u, time.Now())
		if err != nil {
			return nil, err
		}
		until = t
	}
	rep := &containertypes.PruneReport{ContainersDeleted: []string{}}
	for _, c := range d.containers.List() {
		c.Lock()
		ok := !c.State.Running() && !c.Incomplete && c.State.Status != "removing" &&
			(until.IsZero() || c.Created.Before(until)) && f.MatchLabels(c.Config.Labels)
		key := c.SnapshotKey
		c.Unlock()
		if !ok {
			continue
		}
		size, _ := d.snapshotter.Usage(ctx, key)
		if err := d.ContainerRemove(ctx, c.ID, false, false); err != nil {
			d.log.Warn("prune", "id", c.ID, "err", err)
			continue
		}
		rep.ContainersDeleted = append(rep.ContainersDeleted, c.ID)
		rep.SpaceReclaimed += uint64(size)
	}
	d.emit("container", "prune", nil, map[string]string{"reclaimed": itoa(int(rep.SpaceReclaimed))})
	return rep, nil
}

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
	vols, vu := d.volumeDiskUsage()
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
