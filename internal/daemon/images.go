package daemon

import (
	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/imagemounts"
	"github.com/berth/berth/internal/daemon/images"
)

// initImages opens the image service under the data root; the container
// use cases reach its stores through d.images, d.snapshotter and
// d.storageDriver.
func (d *Daemon) initImages() error {
	svc, err := images.New(images.Config{Root: d.root, Registry: d.cfg.Registry, Version: d.cfg.Version, Log: d.log,
		Emit: d.emitImage}, containerImages{d.containers})
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
type containerImages struct{ reg *container.Registry }

// CountByImage returns how many containers were created from each image ID.
func (c containerImages) CountByImage() map[string]int {
	n := map[string]int{}
	for _, ctr := range c.reg.List() {
		n[ctr.Image]++
	}
	return n
}
