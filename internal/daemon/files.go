package daemon

import (
	"github.com/berth/berth/internal/daemon/files"
)

// initFiles makes the service of the containers' files (cp, export, diff).
func (d *Daemon) initFiles() {
	d.files = files.New(files.Config{Snapshotter: d.snapshotter, Containers: fileContainers{d}, Log: d.log, PanicPoint: panicPoint})
}

// Files returns the service of the containers' files, which serves cp,
// export and diff for the container router.
func (d *Daemon) Files() *files.Service { return d.files }

// fileContainers is the daemon's containers as the files service sees them.
type fileContainers struct{ d *Daemon }

// Container returns what the files service needs of container name: its
// layer, its mounted rootfs while it runs, its directory and its binds.
func (f fileContainers) Container(name string) (files.Container, error) {
	c, err := f.d.containers.Get(name)
	if err != nil {
		return files.Container{}, err
	}
	fc := files.Container{ID: c.ID, Layer: c.SnapshotKey, Dir: f.d.containerDir(c.ID), Binds: f.d.volumes.Binds(c)}
	c.Lock()
	running := c.State.Running()
	c.Unlock()
	if running {
		fc.Rootfs = f.d.bundleDir(c.ID) + "/rootfs"
	}
	return fc, nil
}

// LogContainerEvent records a container event of the files service.
func (f fileContainers) LogContainerEvent(id, action string) {
	if c, err := f.d.containers.Get(id); err == nil {
		f.d.emit("container", action, c, nil)
	}
}
