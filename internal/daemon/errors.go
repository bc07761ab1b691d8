package daemon

import (
	"fmt"
	"strings"

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

// startErrorCode maps a runtime's start error to the exit code Docker
// records: 127 for a missing executable, 126 for one that cannot run, 128
// otherwise.
func startErrorCode(msg string) int {
	switch {
	case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"):
		return 127
	case strings.Contains(msg, "permission denied"), strings.Contains(msg, "exec format error"):
		return 126
	}
	return 128
}
