package container

import (
	"fmt"

	"github.com/berth/berth/internal/errdefs"
)

// ErrNotRunning is the conflict of a use case that needs the container
// id running (kill, pause, resize, attach, exec, top).
func ErrNotRunning(id string) error {
	return errdefs.Conflict(fmt.Errorf("container %s is not running", id))
}
