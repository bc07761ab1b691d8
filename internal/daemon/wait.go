package daemon

import (
	"context"
	"fmt"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/recovery"
)

// ContainerWait waits for condition: not-running (default), next-exit or
// removed.
func (d *Daemon) ContainerWait(ctx context.Context, name, condition string) (<-chan containertypes.WaitResponse, error) {
	c, err := d.containers.Get(name)
	if err != nil {
		return nil, err
	}
	c.Lock()
	var ch <-chan struct{}
	switch condition {
	case "", "not-running":
		ch = c.StoppedChan()
	case "next-exit":
		ch = c.NextExitChan()
	case "removed":
		ch = c.RemovedChan()
	default:
		c.Unlock()
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid condition: %q", condition))
	}
	c.Unlock()
	out := make(chan containertypes.WaitResponse, 1)
	recovery.Go(d.log, "wait "+c.ID, func() {
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
		c.Lock()
		resp := containertypes.WaitResponse{StatusCode: int64(c.State.ExitCode)}
		if c.State.Error != "" && condition != "removed" {
			resp.Error = &containertypes.WaitExitError{Message: c.State.Error}
		}
		c.Unlock()
		out <- resp
	}, nil)
	return out, nil
}
