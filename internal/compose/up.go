package compose

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// UpOptions are the flags of `up` that the engine acts on.
type UpOptions struct {
	Services      []string // the services to bring up (empty: all)
	NoDeps        bool     // leave the services' dependencies alone
	ForceRecreate bool
	NoRecreate    bool
	RemoveOrphans bool
	Build         bool // build images of services with a build section first
	Scale         map[string]int
	Wait          bool // return when every service is running and healthy
	WaitTimeout   time.Duration
}

// Up creates or updates the project's resources and starts its services
// in dependency order.
func (e *Engine) Up(ctx context.Context, p *types.Project, o UpOptions) error {
	order, err := StartOrder(p, o.Services, !o.NoDeps)
	if err != nil {
		return err
	}
	if err := e.ensureNetworks(ctx, p); err != nil {
		return err
	}
	if err := e.ensureVolumes(ctx, p); err != nil {
		return err
	}
	if err := e.handleOrphans(ctx, p, o.RemoveOrphans); err != nil {
		return err
	}
	for _, name := range order {
		s := p.Services[name]
		if err := e.ensureImage(ctx, p, s, o.Build); err != nil {
			return err
		}
		s = p.Services[name]
		if !o.NoDeps {
			if err := e.waitDependencies(ctx, p, s); err != nil {
				return err
			}
		}
		if err := e.converge(ctx, p, s, o); err != nil {
			return err
		}
	}
	if o.Wait {
		return e.WaitHealthy(ctx, p, order, o.WaitTimeout)
	}
	return nil
}

// StartOrder is the order in which services start: each after its
// dependencies. With services, only those (and, with deps, what they
// depend on). A dependency cycle or an unknown service is an error.
func StartOrder(p *types.Project, services []string, deps bool) ([]string, error) {
	if len(services) == 0 {
		services = p.ServiceNames()
	}
	sort.Strings(services)
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		s, ok := p.Services[name]
		if !ok {
			return fmt.Errorf("no such service: %s", name)
		}
		switch state[name] {
		case 1:
			return fmt.Errorf("dependency cycle detected: %v", append(path, name))
		case 2:
			return nil
		}
		state[name] = 1
		if deps {
			names := make([]string, 0, len(s.DependsOn))
			for d := range s.DependsOn {
				names = append(names, d)
			}
			sort.Strings(names)
			for _, d := range names {
				if _, ok := p.Services[d]; !ok && !s.DependsOn[d].Required {
					continue
				}
				if err := visit(d, append(path, name)); err != nil {
					return err
				}
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, name := range services {
		if err := visit(name, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// replicas is the number of containers a service should have.
func replicas(s types.ServiceConfig, scale map[string]int) int {
	if n, ok := scale[s.Name]; ok {
		return n
	}
	if s.Scale != nil {
		return *s.Scale
	}
	if s.Deploy != nil && s.Deploy.Replicas != nil {
		return *s.Deploy.Replicas
	}
	return 1
}

// converge brings a service's containers to its configuration: missing
// replicas created, extra ones removed, changed ones recreated, stopped
// ones started.
func (e *Engine) converge(ctx context.Context, p *types.Project, s types.ServiceConfig, o UpOptions) error {
	hash, err := ServiceHash(s)
	if err != nil {
		return err
	}
	existing, err := e.Containers(ctx, p.Name, false, s.Name)
	if err != nil {
		return err
	}
	want := replicas(s, o.Scale)
	have := map[int]container.Summary{}
	for _, c := range existing {
		n := number(c.Labels)
		if _, dup := have[n]; dup || n < 1 || n > want {
			if err := e.remove(ctx, c, true); err != nil {
				return err
			}
			continue
		}
		have[n] = c
	}
	for n := 1; n <= want; n++ {
		c, ok := have[n]
		switch {
		case !ok:
			if _, err := e.createStart(ctx, p, s, n, hash, ""); err != nil {
				return err
			}
		case !o.NoRecreate && (o.ForceRecreate || c.Labels[LabelConfigHash] != hash):
			if err := e.recreate(ctx, p, s, c, hash); err != nil {
				return err
			}
		case c.State != container.StateRunning:
			if err := e.start(ctx, Name(c), c.ID); err != nil {
				return err
			}
		default:
			e.event("Container", Name(c), "Running")
		}
	}
	return nil
}

// createStart creates container number n of a service, connects it to
// its other networks and starts it. replaces names the container it
// replaces, if any.
func (e *Engine) createStart(ctx context.Context, p *types.Project, s types.ServiceConfig, n int, hash, replaces string) (string, error) {
	id, err := e.create(ctx, p, s, n, hash, replaces, "")
	if err != nil {
		return "", err
	}
	return id, e.start(ctx, ContainerName(p, s, n), id)
}

// create creates the container n of s; replaces names the container it
// replaces, handover (an ID) the running one whose published host ports it
// is to take over (CreateHandover).
func (e *Engine) create(ctx context.Context, p *types.Project, s types.ServiceConfig, n int, hash, replaces, handover string) (string, error) {
	opts, err := createOptions(p, s, n, hash)
	if err != nil {
		return "", err
	}
	if replaces != "" {
		opts.Config.Labels[LabelReplace] = replaces
	}
	var res client.ContainerCreateResult
	if handover != "" {
		res, err = e.CreateHandover(ctx, opts, handover)
	} else {
		res, err = e.API.ContainerCreate(ctx, opts)
	}
	if err != nil {
		return "", fmt.Errorf("container %s: %w", opts.Name, err)
	}
	e.event("Container", opts.Name, "Created")
	keys := serviceNetworks(s)
	if s.NetworkMode == "" && len(keys) > 1 {
		for _, key := range keys[1:] {
			es, err := endpoint(s, key)
			if err != nil {
				return res.ID, err
			}
			if _, err := e.API.NetworkConnect(ctx, p.Networks[key].Name, client.NetworkConnectOptions{Container: res.ID, EndpointConfig: es}); err != nil {
				return res.ID, fmt.Errorf("container %s: network %s: %w", opts.Name, p.Networks[key].Name, err)
			}
		}
	}
	return res.ID, nil
}

func (e *Engine) start(ctx context.Context, name, id string) error {
	if _, err := e.API.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	e.event("Container", name, "Started")
	return nil
}

// recreate replaces a container whose configuration changed. By default
// the old one stops first; with deploy.update_config.order start-first
// the new one starts (and becomes healthy) before the old one stops.
func (e *Engine) recreate(ctx context.Context, p *types.Project, s types.ServiceConfig, old container.Summary, hash string) error {
	name, n := Name(old), number(old.Labels)
	startFirst := s.Deploy != nil && s.Deploy.UpdateConfig != nil && s.Deploy.UpdateConfig.Order == "start-first"
	if startFirst {
		return e.replaceStartFirst(ctx, p, s, old, hash)
	}
	if err := e.stop(ctx, old, nil); err != nil {
		return err
	}
	tmp := old.ID[:12] + "_" + name
	if _, err := e.API.ContainerRename(ctx, old.ID, client.ContainerRenameOptions{NewName: tmp}); err != nil {
		return err
	}
	if _, err := e.createStart(ctx, p, s, n, hash, name); err != nil {
		return err
	}
	e.event("Container", name, "Recreated")
	_, err := e.API.ContainerRemove(ctx, old.ID, client.ContainerRemoveOptions{Force: true})
	return err
}

func (e *Engine) stop(ctx context.Context, c container.Summary, timeout *int) error {
	_, err := e.API.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: timeout})
	return e.gone("Container", Name(c), "Stopped", err)
}

// remove stops (when stop) and removes a container with its anonymous
// volumes.
func (e *Engine) remove(ctx context.Context, c container.Summary, stop bool) error {
	if stop && c.State == container.StateRunning {
		if err := e.stop(ctx, c, nil); err != nil {
			return err
		}
	}
	_, err := e.API.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	return e.gone("Container", Name(c), "Removed", err)
}

// handleOrphans removes (with remove) or reports the project's containers
// whose service is not in the model.
func (e *Engine) handleOrphans(ctx context.Context, p *types.Project, remove bool) error {
	all, err := e.Containers(ctx, p.Name, false)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, n := range append(p.ServiceNames(), p.DisabledServiceNames()...) {
		known[n] = true
	}
	for _, c := range all {
		if known[c.Labels[LabelService]] {
			continue
		}
		if !remove {
			if e.Progress != nil {
				fmt.Fprintf(e.Progress, "Found orphan containers ([%s]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n", Name(c))
			}
			continue
		}
		if err := e.remove(ctx, c, true); err != nil {
			return err
		}
	}
	return nil
}

// waitDependencies waits until each dependency of s meets its condition.
func (e *Engine) waitDependencies(ctx context.Context, p *types.Project, s types.ServiceConfig) error {
	for dep, d := range s.DependsOn {
		if _, ok := p.Services[dep]; !ok {
			continue
		}
		cs, err := e.Containers(ctx, p.Name, false, dep)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := e.waitCondition(ctx, c, d.Condition); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Engine) waitCondition(ctx context.Context, c container.Summary, cond string) error {
	switch cond {
	case types.ServiceConditionHealthy:
		return e.waitHealthy(ctx, c)
	case types.ServiceConditionCompletedSuccessfully:
		res := e.API.ContainerWait(ctx, c.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
		select {
		case err := <-res.Error:
			return err
		case w := <-res.Result:
			if w.StatusCode != 0 {
				return fmt.Errorf("service %q didn't complete successfully: exit %d", c.Labels[LabelService], w.StatusCode)
			}
			e.event("Container", Name(c), "Exited")
		}
	}
	return nil
}

// waitHealthy polls a container until its health check passes.
func (e *Engine) waitHealthy(ctx context.Context, c container.Summary) error {
	e.event("Container", Name(c), "Waiting")
	for {
		res, err := e.API.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			return err
		}
		st := res.Container.State
		switch {
		case st.Health == nil:
			return fmt.Errorf("container %s has no healthcheck configured", Name(c))
		case st.Health.Status == container.Healthy:
			e.event("Container", Name(c), "Healthy")
			return nil
		case st.Health.Status == container.Unhealthy:
			return fmt.Errorf("dependency failed to start: container %s is unhealthy", Name(c))
		case !st.Running:
			return fmt.Errorf("container %s exited (%s)", Name(c), strconv.Itoa(st.ExitCode))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
