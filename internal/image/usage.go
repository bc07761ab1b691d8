package image

import (
	"context"

	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/store"
)

// Usage is the disk use of one image, as docker system df reports it.
type Usage struct {
	Size       int64 // all its layers
	SharedSize int64 // layers also used by other images
	UniqueSize int64 // Size - SharedSize
}

// DiskUsage returns the usage of every image, keyed by image ID, and the
// total size of all distinct layers.
func (s *Store) DiskUsage(ctx context.Context) (map[digest.Digest]Usage, int64, error) {
	imgs, err := s.List(ctx)
	if err != nil {
		return nil, 0, err
	}
	users := map[digest.Digest]int{}
	for _, img := range imgs {
		for _, c := range ChainIDs(img.Config.RootFS.DiffIDs) {
			users[c]++
		}
	}
	sizes := map[digest.Digest]int64{}
	_ = s.db.View(func(tx *store.Tx) error {
		for c := range users {
			var l layerRecord
			if tx.Get(bucketLayers, c.String(), &l) == nil {
				sizes[c] = l.Size
			}
		}
		return nil
	})
	var total int64
	for _, n := range sizes {
		total += n
	}
	out := map[digest.Digest]Usage{}
	for _, img := range imgs {
		var u Usage
		for _, c := range ChainIDs(img.Config.RootFS.DiffIDs) {
			u.Size += sizes[c]
			if users[c] > 1 {
				u.SharedSize += sizes[c]
			}
		}
		u.UniqueSize = u.Size - u.SharedSize
		out[img.ID] = u
	}
	return out, total, nil
}

// LayerSizes returns the unpacked size of each layer of img, bottom first.
func (s *Store) LayerSizes(ctx context.Context, img *Image) []int64 {
	chains := ChainIDs(img.Config.RootFS.DiffIDs)
	out := make([]int64, len(chains))
	_ = s.db.View(func(tx *store.Tx) error {
		for i, c := range chains {
			var l layerRecord
			if tx.Get(bucketLayers, c.String(), &l) == nil {
				out[i] = l.Size
			}
		}
		return nil
	})
	return out
}
