package daemon

import (
	"context"

	imagetypes "github.com/moby/moby/api/types/image"
)

// ImageDiskUsage returns the images with Size and SharedSize filled, and
// the total size of all distinct layers, for docker system df. Containers
// is -1; the caller fills it in.
func (d *Daemon) ImageDiskUsage(ctx context.Context) ([]imagetypes.Summary, int64, error) {
	usage, total, err := d.images.DiskUsage(ctx)
	if err != nil {
		return nil, 0, err
	}
	imgs, err := d.images.List(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]imagetypes.Summary, 0, len(imgs))
	for _, img := range imgs {
		s := imageSummary(img)
		s.SharedSize = usage[img.ID].SharedSize
		out = append(out, s)
	}
	return out, total, nil
}

// StorageDriver returns the snapshot driver in use ("overlay" or "vfs"),
// for docker info.
func (d *Daemon) StorageDriver() string { return d.storageDriver }
