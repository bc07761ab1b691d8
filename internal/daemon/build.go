package daemon

import (
	"path/filepath"

	"github.com/berth/berth/internal/daemon/build"
)

// initBuild makes the build service over the image service's stores; its
// RUN steps run as containers of this daemon.
func (d *Daemon) initBuild() {
	d.build = build.New(build.Config{Root: filepath.Join(d.root, "builder"), Store: d.images, Snapshotter: d.snapshotter,
		Images: d.imageService, Containers: d, Log: d.log, Publish: d.events.Publish})
}

// Builds returns the build service: the build router's Backend.
func (d *Daemon) Builds() *build.Service { return d.build }
