package daemon

import (
	"context"
	"strings"

	"github.com/moby/moby/api/types/image"

	"github.com/berth/berth/internal/server/router/system"
)

// imageDiskUsage fills the image part of system df from the image store.
func (d *Daemon) imageDiskUsage(ctx context.Context, du *system.DiskUsage) {
	imgs, err := d.images.List(ctx)
	if err != nil {
		return
	}
	used := map[string]bool{}
	for _, c := range d.containers.List() {
		used[c.Image] = true
	}
	iu := &image.DiskUsage{Items: []image.Summary{}}
	for _, img := range imgs {
		s := image.Summary{
			ID: img.ID.String(), RepoTags: img.RepoTags, RepoDigests: img.RepoDigests, Created: img.Created.Unix(),
			Size: img.Size, Labels: img.Config.Config.Labels, Containers: 0,
		}
		if s.RepoTags == nil {
			s.RepoTags = []string{}
		}
		if s.RepoDigests == nil {
			s.RepoDigests = []string{}
		}
		for _, c := range d.containers.List() {
			if c.Image == s.ID {
				s.Containers++
			}
		}
		iu.TotalCount++
		iu.TotalSize += img.Size
		du.LayersSize += img.Size
		if used[s.ID] {
			iu.ActiveCount++
		} else {
			iu.Reclaimable += img.Size
		}
		iu.Items = append(iu.Items, s)
		du.Images = append(du.Images, s)
	}
	du.ImageUsage = iu
	_ = strings.TrimSpace
}
