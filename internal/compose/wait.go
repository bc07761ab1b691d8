package compose

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// WaitHealthy waits until every container of the services runs and, when
// it has a health check, is healthy, printing each container's progress.
func (e *Engine) WaitHealthy(ctx context.Context, p *types.Project, services []string, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	for _, name := range services {
		cs, err := e.Containers(ctx, p.Name, false, name)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := e.waitRunning(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitRunning waits for a container to run and, if it has a health
// check, to be healthy.
func (e *Engine) waitRunning(ctx context.Context, c container.Summary) error {
	for {
		res, err := e.API.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			return err
		}
		st := res.Container.State
		if st.Running && st.Health != nil && st.Health.Status != container.NoHealthcheck {
			return e.waitHealthy(ctx, c)
		}
		if st.Running {
			e.event("Container", Name(c), "Running")
			return nil
		}
		if st.Status == container.StateExited || st.Status == container.StateDead {
			return fmt.Errorf("container %s exited (%d)", Name(c), st.ExitCode)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("container %s: %w", Name(c), ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// replaceStartFirst replaces old by a new container that starts, and
// becomes healthy, before old stops: the service keeps answering. On
// berth (CreateHandover) the new container shares old's published host
// ports and the engine switches them to it once it is healthy, so a client
// of the ports sees no refused connection; elsewhere a new container that
// cannot start beside the old one because the old one holds its published
// host ports starts once the old one has stopped.
func (e *Engine) replaceStartFirst(ctx context.Context, p *types.Project, s types.ServiceConfig, old container.Summary, hash string) error {
	name, n := Name(old), number(old.Labels)
	tmp := old.ID[:12] + "_" + name
	if _, err := e.API.ContainerRename(ctx, old.ID, client.ContainerRenameOptions{NewName: tmp}); err != nil {
		return err
	}
	handover := ""
	if e.CreateHandover != nil && old.State == container.StateRunning && len(old.Ports) > 0 {
		handover = old.ID
	}
	id, err := e.create(ctx, p, s, n, hash, name, handover)
	if err == nil {
		err = e.start(ctx, name, id)
		if err != nil && strings.Contains(err.Error(), "port is already allocated") {
			e.event("Container", name, "Waiting for the old container's published ports: stopping it first")
			if err = e.stop(ctx, old, nil); err == nil {
				err = e.start(ctx, name, id)
			}
		}
	}
	if err != nil {
		if id != "" {
			_, _ = e.API.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true})
		}
		_, _ = e.API.ContainerRename(ctx, old.ID, client.ContainerRenameOptions{NewName: name})
		return err
	}
	if err := e.waitRunning(ctx, container.Summary{ID: id, Names: []string{"/" + name}}); err != nil {
		return err
	}
	// Out of its networks first: the service's name then resolves to the
	// new container alone before the old one's server goes away.
	e.leaveNetworks(ctx, old)
	if err := e.stop(ctx, old, nil); err != nil {
		return err
	}
	e.event("Container", name, "Recreated")
	_, err = e.API.ContainerRemove(ctx, old.ID, client.ContainerRemoveOptions{Force: true})
	return err
}

// leaveNetworks disconnects a container from its networks (errors are
// left: it is about to stop anyway).
func (e *Engine) leaveNetworks(ctx context.Context, c container.Summary) {
	if c.NetworkSettings == nil {
		return
	}
	for name := range c.NetworkSettings.Networks {
		_, _ = e.API.NetworkDisconnect(ctx, name, client.NetworkDisconnectOptions{Container: c.ID})
	}
}
