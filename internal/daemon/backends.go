package daemon

import (
	ctrrouter "github.com/berth/berth/internal/server/router/container"
	execrouter "github.com/berth/berth/internal/server/router/exec"
	"github.com/berth/berth/internal/server/router/system"
)

// The daemon implements the Backend of every router.
var (
	_ ctrrouter.Backend  = (*Daemon)(nil)
	_ execrouter.Backend = (*Daemon)(nil)
	_ system.Backend     = (*Daemon)(nil)
)

// containersUsingImage returns the IDs of the containers created from the
// image id (sha256:…); rmi refuses to delete such an image without force.
func (d *Daemon) containersUsingImage(id string) []string {
	var out []string
	for _, c := range d.containers.List() {
		if c.Image == id {
			out = append(out, c.ID)
		}
	}
	return out
}
