package daemon

import (
	"fmt"

	"github.com/berth/berth/internal/errdefs"
)

func errUnknownRuntime(name string) error {
	return errdefs.InvalidParameter(fmt.Errorf("%w: %s", errNoSuchRuntime, name))
}

func errPaused(id string) error {
	return errdefs.Conflict(fmt.Errorf("container %s is paused, unpause the container before stopping or killing", id))
}
