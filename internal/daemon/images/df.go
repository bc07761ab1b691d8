package images

import (
	"context"

	imagetypes "github.com/moby/moby/api/types/image"
)

// DiskUsage returns the image part of docker system df: every image with
// its Size, SharedSize and number of containers, the total size of all
// distinct layers (TotalSize) and what removing every unused image frees
// (Reclaimable).
func (s *Service) DiskUsage(ctx context.Context) (*imagetypes.DiskUsage, error) {
	usage, total, err := s.store.DiskUsage(ctx)
	if err != nil {
		return nil, err
	}
	imgs, err := s.store.List(ctx)
	if err != nil {
		return nil, err
	}
	var count map[string]int
	if s.containers != nil {
		count = s.containers.CountByImage()
	}
	iu := &imagetypes.DiskUsage{Items: []imagetypes.Summary{}}
	// Reclaimable is what removing every unused image frees: all but the
	// layers only used images hold (as the docker CLI computes it from
	// the legacy list).
	var used int64
	for _, img := range imgs {
		sum := imageSummary(img)
		sum.SharedSize = usage[img.ID].SharedSize
		sum.Containers = int64(count[sum.ID])
		iu.TotalCount++
		if sum.Containers > 0 {
			iu.ActiveCount++
			used += sum.Size - sum.SharedSize
		}
		iu.Items = append(iu.Items, sum)
	}
	iu.TotalSize = total
	iu.Reclaimable = max(total-used, 0)
	return iu, nil
}
