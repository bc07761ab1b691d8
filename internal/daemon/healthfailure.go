package daemon

import (
	"errors"
	"fmt"
	"slices"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
)

// The actions of berth's HostConfig extension BerthHealthOnFailure (Podman's
// --health-on-failure).
var healthActions = []string{"none", "kill", "restart", "stop"}

// healthOnFailure checks and normalizes an action ("none" is stored as "").
func healthOnFailure(action string) (string, error) {
	if !slices.Contains(healthActions, action) && action != "" {
		return "", errdefs.InvalidParameter(fmt.Errorf("invalid health-on-failure action %q: must be one of none, kill, restart, stop", action))
	}
	if action == "none" {
		return "", nil
	}
	return action, nil
}

// healthFailed applies c's health-on-failure action once its health turned
// unhealthy: "kill" SIGKILLs it and leaves the rest to its restart policy,
// "restart" stops it (stop signal, stop timeout) and restarts it whatever
// its policy, with the policy's back-off and RestartCount, "stop" stops it
// as `docker stop` does.
func (d *Daemon) healthFailed(c *container.Container) {
	c.Lock()
	action := c.HealthOnFailure
	c.HealthRestart = action == "restart"
	c.Unlock()
	var err error
	switch action {
	case "kill":
		zero := 0
		err = d.terminate(d.bg, c, "SIGKILL", &zero, false)
	case "restart":
		err = d.terminate(d.bg, c, "", nil, false)
	case "stop":
		if err = d.stop(d.bg, c, "", nil); err == nil {
			d.emitStop(c)
		}
	}
	if err != nil {
		c.Lock()
		c.HealthRestart = false
		c.Unlock()
		if !errors.Is(err, errdefs.ErrNotModified) {
			d.log.Warn("health-on-failure", "id", c.ID, "action", action, "err", err)
		}
	}
}
