package oci

import (
	"maps"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// MergeImageConfig fills cfg from the image config as dockerd does at
// create: user, env (the container's, then the image's it does not set), command
// (an entrypoint given without a command drops the image's command),
// working dir, labels, exposed ports, volumes, stop signal, healthcheck.
func MergeImageConfig(cfg *container.Config, img *dockerspec.DockerOCIImageConfig) {
	if img == nil {
		return
	}
	if cfg.User == "" {
		cfg.User = img.User
	}
	cfg.Env = mergeEnv(cfg.Env, img.Env)
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

// mergeEnv is dockerd's merge of a container's variables with its image's:
// the container's as given (a bare NAME too: it stays in Config.Env and
// only leaves NAME out of the process environment), then each image
// variable whose name the container does not set.
func mergeEnv(ctr, img []string) []string {
	if len(ctr) == 0 {
		return img
	}
	set := map[string]bool{}
	for _, e := range ctr {
		k, _, _ := strings.Cut(e, "=")
		set[k] = true
	}
	out := append([]string{}, ctr...)
	for _, e := range img {
		if k, _, _ := strings.Cut(e, "="); !set[k] {
			out = append(out, e)
		}
	}
	return out
}

// MergeCommitConfig applies the config a commit gives (--change, or the
// API's body) over the container's: what it sets replaces, labels add.
func MergeCommitConfig(dst, src *container.Config) {
	if len(src.Cmd) > 0 {
		dst.Cmd = src.Cmd
	}
	if len(src.Entrypoint) > 0 {
		dst.Entrypoint = src.Entrypoint
	}
	if len(src.Env) > 0 {
		dst.Env = src.Env
	}
	if src.WorkingDir != "" {
		dst.WorkingDir = src.WorkingDir
	}
	if src.User != "" {
		dst.User = src.User
	}
	for k, v := range src.Labels {
		if dst.Labels == nil {
			dst.Labels = map[string]string{}
		}
		dst.Labels[k] = v
	}
}

// ImageConfigOf is the image config of a committed container's config.
func ImageConfigOf(c *container.Config) *dockerspec.DockerOCIImageConfig {
	ic := &dockerspec.DockerOCIImageConfig{}
	ic.User = c.User
	ic.Env = c.Env
	ic.Entrypoint = c.Entrypoint
	ic.Cmd = c.Cmd
	ic.WorkingDir = c.WorkingDir
	ic.Labels = c.Labels
	ic.StopSignal = c.StopSignal
	ic.Volumes = c.Volumes
	ic.Shell = c.Shell
	ic.Healthcheck = c.Healthcheck
	if len(c.ExposedPorts) > 0 {
		ic.ExposedPorts = map[string]struct{}{}
		for p := range c.ExposedPorts {
			ic.ExposedPorts[p.String()] = struct{}{}
		}
	}
	return ic
}
