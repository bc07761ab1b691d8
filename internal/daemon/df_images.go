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
	for _, s := range imgs {
		s.Containers = count[s.ID]
		iu.TotalCount++
		iu.TotalSize += s.Size
		if s.Containers > 0 {
			iu.ActiveCount++
		} else {
			iu.Reclaimable += s.Size - s.SharedSize
		}
		iu.Items = append(iu.Items, s)
		du.Images = append(du.Images, s)
	}
	iu.TotalSize = total
	du.LayersSize = total
	du.ImageUsage = iu
}
