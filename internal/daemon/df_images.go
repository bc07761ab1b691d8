package daemon

import (
	"context"

	"github.com/moby/moby/api/types/image"

	"github.com/berth/berth/internal/server/router/system"
)

// imageDiskUsage fills the image part of system df from the image store.
func (d *Daemon) imageDiskUsage(ctx context.Context, du *system.DiskUsage) {
	imgs, total, err := d.ImageDiskUsage(ctx)
	if err != nil {
		return
	}
	count := map[string]int64{}
	for _, c := range d.containers.List() {
		count[c.Image]++
	}
	iu := &image.DiskUsage{Items: []image.Summary{}}
	// Reclaimable is what removing every unused image frees: all but the
	// layers only used images hold (as the docker CLI computes it from
	// the legacy list).
	var used int64
	for _, s := range imgs {
		s.Containers = count[s.ID]
		iu.TotalCount++
		if s.Containers > 0 {
			iu.ActiveCount++
			used += s.Size - s.SharedSize
		}
		iu.Items = append(iu.Items, s)
		du.Images = append(du.Images, s)
	}
	iu.TotalSize = total
	iu.Reclaimable = max(total-used, 0)
	du.LayersSize = total
	du.ImageUsage = iu
}
