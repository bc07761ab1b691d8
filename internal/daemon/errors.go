package daemon

import (
	"fmt"

	"github.com/berth/berth/internal/errdefs"
)

func errUnknownRuntime(name string) error {
	return errdefs.InvalidParameter(fmt.Errorf("%w: %s", errNoSuchRuntime, name))
}

func errNotRunning(id string) error {
	return errdefs.Conflict(fmt.Errorf("container %s is not running", id))
}

func errPaused(id string) error {
	return errdefs.Conflict(fmt.Errorf("container %s is paused, unpause the container before stopping or killing", id))
}
