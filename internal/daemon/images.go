package daemon

import (
	"context"

	"github.com/berth/berth/internal/daemon/imagemounts"
	"github.com/berth/berth/internal/daemon/images"
)

// initImages opens the image service under the data root; the container
// use cases reach its stores through d.images, d.snapshotter and
// d.storageDriver.
func (d *Daemon) initImages() error {
	svc, err := images.New(images.Config{Root: d.root, Registry: d.cfg.Registry, Version: d.cfg.Version, Log: d.log,
		Emit: d.emitImage}, containerImages{d})
	if err != nil {
		return err
	}
	d.imageService = svc
	d.images, d.snapshotter, d.storageDriver = svc.Store(), svc.Snapshotter(), svc.StorageDriver()
	d.imageMounts = &imagemounts.Manager{Images: d.images, Snapshotter: d.snapshotter, Log: d.log, BundleDir: d.bundleDir}
	return nil
}

// Images returns the image service: the Backend of the image and registry
// routers.
func (d *Daemon) Images() *images.Service { return d.imageService }

// containerImages is the container registry as the image service sees it.
type containerImages struct{ d *Daemon }

// CountByImage returns how many containers were created from each image
// ID or mount it (--mount type=image).
func (c containerImages) CountByImage() map[string]int {
	n := map[string]int{}
	for _, ctr := range c.d.containers.List() {
		n[ctr.Image]++
		for _, id := range c.d.imageMounts.Mounted(context.Background(), ctr) {
			n[id]++
		}
	}
	return n
}
