package compose

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/network"
)

// RunOptions are the flags of `run` that shape its one-off container.
type RunOptions struct {
	Command      []string // replaces the service's command when set
	Entrypoint   []string
	Env          []string
	Name         string
	User         string
	Workdir      string
	NoDeps       bool
	ServicePorts bool // publish the service's ports
	Interactive  bool
	TTY          bool
}

// CreateOneoff starts a service's dependencies (unless NoDeps) and
// creates a one-off container of it, <project>-<service>-run-<slug>,
// labelled oneoff. It returns the container's name.
func (e *Engine) CreateOneoff(ctx context.Context, p *types.Project, service string, o RunOptions) (string, error) {
	s, err := p.GetService(service)
	if err != nil {
		return "", err
	}
	if !o.NoDeps && len(s.DependsOn) > 0 {
		var deps []string
		for d := range s.DependsOn {
			deps = append(deps, d)
		}
		if err := e.Up(ctx, p, UpOptions{Services: deps}); err != nil {
			return "", err
		}
		if err := e.waitDependencies(ctx, p, s); err != nil {
			return "", err
		}
	} else if err := e.ensureNetworks(ctx, p); err != nil {
		return "", err
	} else if err := e.ensureVolumes(ctx, p); err != nil {
		return "", err
	}
	if err := e.ensureImage(ctx, p, s, false); err != nil {
		return "", err
	}
	s = p.Services[service]
	var b [6]byte
	_, _ = rand.Read(b[:])
	slug := hex.EncodeToString(b[:])
	hash, err := ServiceHash(s)
	if err != nil {
		return "", err
	}
	opts, err := createOptions(p, s, 1, hash)
	if err != nil {
		return "", err
	}
	opts.Name = o.Name
	if opts.Name == "" {
		opts.Name = fmt.Sprintf("%s-%s-run-%s", p.Name, s.Name, slug[:12])
	}
	cfg, hc := opts.Config, opts.HostConfig
	cfg.Labels[LabelOneoff], cfg.Labels[LabelSlug] = "True", slug
	delete(cfg.Labels, LabelNumber)
	if o.Command != nil {
		cfg.Cmd = o.Command
	}
	if o.Entrypoint != nil {
		cfg.Entrypoint = o.Entrypoint
	}
	cfg.Env = append(cfg.Env, o.Env...)
	if o.User != "" {
		cfg.User = o.User
	}
	if o.Workdir != "" {
		cfg.WorkingDir = o.Workdir
	}
	cfg.Tty, cfg.OpenStdin, cfg.AttachStdin = o.TTY, o.Interactive, o.Interactive
	cfg.AttachStdout, cfg.AttachStderr = true, true
	if !o.ServicePorts {
		hc.PortBindings = network.PortMap{}
	}
	hc.RestartPolicy.Name = "no"
	res, err := e.API.ContainerCreate(ctx, opts)
	if err != nil {
		return "", fmt.Errorf("container %s: %w", opts.Name, err)
	}
	e.event("Container", opts.Name, "Created")
	return res.ID, nil
}
