package oci

import (
	"maps"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// MergeImageConfig fills cfg from the image config as dockerd does at
// create: user, env (image first, the container's replacing), command
// (an entrypoint given without a command drops the image's command),
// working dir, labels, exposed ports, volumes, stop signal, healthcheck.
func MergeImageConfig(cfg *container.Config, img *dockerspec.DockerOCIImageConfig) {
	if img == nil {
		return
	}
	if cfg.User == "" {
		cfg.User = img.User
	}
	if len(img.Env) > 0 {
		cfg.Env = ReplaceOrAppendEnv(img.Env, cfg.Env)
	}
	if len(cfg.Entrypoint) == 0 {
		if len(cfg.Cmd) == 0 {
			cfg.Cmd = img.Cmd
		}
		if cfg.Entrypoint == nil {
			cfg.Entrypoint = img.Entrypoint
		}
	}
	if cfg.WorkingDir == "" {
		cfg.WorkingDir = img.WorkingDir
	}
	if len(img.Labels) > 0 {
		labels := maps.Clone(img.Labels)
		maps.Copy(labels, cfg.Labels)
		cfg.Labels = labels
	}
	for p := range img.ExposedPorts {
		port, err := network.ParsePort(p)
		if err != nil {
			continue // not a port dockerd would have accepted either
		}
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = network.PortSet{}
		}
		cfg.ExposedPorts[port] = struct{}{}
	}
	if len(img.Volumes) > 0 {
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		for v := range img.Volumes {
			cfg.Volumes[v] = struct{}{}
		}
	}
	if cfg.StopSignal == "" {
		cfg.StopSignal = img.StopSignal
	}
	if cfg.Healthcheck == nil && img.Healthcheck != nil {
		hc := *img.Healthcheck
		cfg.Healthcheck = &hc
	}
	if len(img.Shell) > 0 && len(cfg.Shell) == 0 {
		cfg.Shell = img.Shell
	}
}
