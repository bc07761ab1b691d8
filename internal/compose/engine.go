package compose

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Engine runs a project's actions against a daemon through its API.
type Engine struct {
	API client.APIClient
	// Progress receives one line per action ("Container x  Started"), as
	// docker compose prints them.
	Progress io.Writer
	mu       sync.Mutex
	// Made lists what this engine created, for the report of a failed up.
	Made []string
	// Build builds images of services with a build section.
	Build Builder
	// CreateHandover creates a container that shares the published host
	// ports of the running container from and takes them over once it is
	// healthy (berth's BerthPortHandover); nil: the engine has no such
	// thing, and a start-first replacement whose ports the old container
	// holds stops the old one first.
	CreateHandover func(ctx context.Context, opts client.ContainerCreateOptions, from string) (client.ContainerCreateResult, error)
}

func (e *Engine) event(kind, name, what string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if what == "Created" {
		e.Made = append(e.Made, kind+" "+name)
	}
	if e.Progress != nil {
		fmt.Fprintf(e.Progress, " %s %s  %s\n", kind, name, what)
	}
}

// gone reports an action (Stopped, Removed) on a resource that may have
// gone meanwhile: err, the action's, fails it unless it is NotFound;
// otherwise the progress line is written.
func (e *Engine) gone(kind, name, what string, err error) error {
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("%s %s: %w", strings.ToLower(kind), name, err)
	}
	e.event(kind, name, what)
	return nil
}

// Containers lists a project's containers (all states), sorted by
// service and number; with services, only theirs.
func (e *Engine) Containers(ctx context.Context, project string, oneoff bool, services ...string) ([]container.Summary, error) {
	f := projectFilter(project)
	if !oneoff {
		f.Add("label", LabelOneoff+"=False")
	}
	res, err := e.API.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, err
	}
	var out []container.Summary
	for _, c := range res.Items {
		if len(services) == 0 || slices.Contains(services, c.Labels[LabelService]) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Labels, out[j].Labels
		if a[LabelService] != b[LabelService] {
			return a[LabelService] < b[LabelService]
		}
		return number(a) < number(b)
	})
	return out, nil
}

// Name is a container's name without its slash.
func Name(c container.Summary) string {
	if len(c.Names) == 0 {
		return c.ID[:12]
	}
	return strings.TrimPrefix(c.Names[0], "/")
}

// ensureNetworks creates the project's networks that do not exist yet
// and checks that its external ones do.
func (e *Engine) ensureNetworks(ctx context.Context, p *types.Project) error {
	for key, n := range p.Networks {
		if n.Name == "host" || n.Name == "none" || n.Name == "bridge" {
			continue
		}
		_, err := e.API.NetworkInspect(ctx, n.Name, client.NetworkInspectOptions{})
		err = e.ensure("Network", n.Name, err, bool(n.External), "network %s declared as external, but could not be found", func() error {
			opts := client.NetworkCreateOptions{Driver: n.Driver, Options: n.DriverOpts, Labels: createdLabels(p, LabelNetwork, key, n.Labels), Internal: n.Internal, Attachable: n.Attachable}
			if opts.Driver == "" {
				opts.Driver = "bridge"
			}
			if ipam := ipamConfig(n.Ipam); ipam != nil {
				opts.IPAM = ipam
			}
			_, err := e.API.NetworkCreate(ctx, n.Name, opts)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ensureVolumes creates the project's named volumes that do not exist
// yet and checks that its external ones do.
func (e *Engine) ensureVolumes(ctx context.Context, p *types.Project) error {
	for key, v := range p.Volumes {
		_, err := e.API.VolumeInspect(ctx, v.Name, client.VolumeInspectOptions{})
		err = e.ensure("Volume", v.Name, err, bool(v.External), "external volume %q not found", func() error {
			_, err := e.API.VolumeCreate(ctx, client.VolumeCreateOptions{Name: v.Name, Driver: v.Driver, DriverOpts: v.DriverOpts, Labels: createdLabels(p, LabelVolume, key, v.Labels)})
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ensure creates the network or volume name (kind is "Network" or
// "Volume") that the project declares, with create, unless its inspect
// found it (inspectErr is nil). An external one is never created: its
// absence is an error, in docker compose's words missing (a format of the
// name).
func (e *Engine) ensure(kind, name string, inspectErr error, external bool, missing string, create func() error) error {
	switch {
	case inspectErr == nil:
		return nil
	case !errdefs.IsNotFound(inspectErr):
		return inspectErr
	case external:
		return fmt.Errorf(missing, name)
	}
	if err := create(); err != nil {
		return fmt.Errorf("%s %s: %w", strings.ToLower(kind), name, err)
	}
	e.event(kind, name, "Created")
	return nil
}

// createdLabels are the labels of a network or volume that compose
// creates: the project, its key in the project under kindLabel and
// compose's version, then the labels the project declares for it.
func createdLabels(p *types.Project, kindLabel, key string, declared map[string]string) map[string]string {
	labels := map[string]string{LabelProject: p.Name, kindLabel: key, LabelVersion: Version}
	maps.Copy(labels, declared)
	return labels
}

// Stop stops containers.
func (e *Engine) Stop(ctx context.Context, cs []container.Summary, timeout *int) error {
	for _, c := range cs {
		if c.State != container.StateRunning {
			continue
		}
		if err := e.stop(ctx, c, timeout); err != nil {
			return err
		}
	}
	return nil
}

// Start starts containers.
func (e *Engine) Start(ctx context.Context, cs []container.Summary) error {
	for _, c := range cs {
		if err := e.start(ctx, Name(c), c.ID); err != nil {
			return err
		}
	}
	return nil
}

// Restart restarts containers; timeout is Stop's.
func (e *Engine) Restart(ctx context.Context, cs []container.Summary, timeout *int) error {
	for _, c := range cs {
		if _, err := e.API.ContainerRestart(ctx, c.ID, client.ContainerRestartOptions{Timeout: timeout}); err != nil {
			return fmt.Errorf("container %s: %w", Name(c), err)
		}
		e.event("Container", Name(c), "Restarted")
	}
	return nil
}

// Kill sends signal to the running containers.
func (e *Engine) Kill(ctx context.Context, cs []container.Summary, signal string) error {
	for _, c := range cs {
		if c.State != container.StateRunning {
			continue
		}
		if _, err := e.API.ContainerKill(ctx, c.ID, client.ContainerKillOptions{Signal: signal}); err != nil {
			return fmt.Errorf("container %s: %w", Name(c), err)
		}
		e.event("Container", Name(c), "Killed")
	}
	return nil
}

// Remove removes (stopped) containers and their anonymous volumes.
func (e *Engine) Remove(ctx context.Context, cs []container.Summary) error {
	for _, c := range cs {
		if err := e.remove(ctx, c, false); err != nil {
			return err
		}
	}
	return nil
}
