package container

import "github.com/moby/moby/api/types/container"

// MountPoint is a volume (or a mount inherited with --volumes-from) of a
// container, resolved at create: the named or anonymous volume it uses and
// where it goes. Binds and tmpfs given in the HostConfig are not repeated
// here.
type MountPoint struct {
	container.MountPoint
	// CopyData asks the next start to fill the volume from the image's
	// content at Destination when the volume is empty (Docker's copy-up);
	// it is cleared once done.
	CopyData bool `json:",omitempty"`
	// Subpath, when set, mounts only this directory of the volume
	// (--mount volume-subpath=).
	Subpath string `json:",omitempty"`
}
