package daemon

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/berth/berth/internal/content"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/snapshot"
)

// initImages opens the snapshotter, the content store and the image store
// under the data root: <root>/snapshots, <root>/content, <root>/image.
func (d *Daemon) initImages(ctx context.Context) error {
	sn, driver, err := snapshot.New(filepath.Join(d.root, "snapshots"))
	if err != nil {
		return fmt.Errorf("open snapshotter: %w", err)
	}
	cs, err := content.New(filepath.Join(d.root, "content"))
	if err != nil {
		sn.Close()
		return fmt.Errorf("open content store: %w", err)
	}
	is, err := image.NewStore(filepath.Join(d.root, "image"), cs, sn)
	if err != nil {
		sn.Close()
		return fmt.Errorf("open image store: %w", err)
	}
	d.snapshotter, d.storageDriver, d.images = sn, driver, is
	return d.initDistribution()
}

// closeImages closes the stores opened by initImages.
func (d *Daemon) closeImages() {
	if d.images != nil {
		_ = d.images.Close()
	}
	if d.snapshotter != nil {
		_ = d.snapshotter.Close()
	}
}
