package daemon

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/container"
)

var listFilters = []string{"id", "name", "label", "status", "ancestor", "exited", "before", "since", "health", "isolation", "network", "volume", "publish", "expose", "namespace"}

// ContainerList lists containers, newest first, as GET /containers/json.
func (d *Daemon) ContainerList(ctx context.Context, opts backend.ContainerListOptions) ([]containertypes.Summary, error) {
	f := opts.Filters
	if err := f.Validate(listFilters...); err != nil {
		return nil, err
	}
	for _, s := range f.Get("status") {
		if containertypes.ValidateContainerState(containertypes.ContainerState(s)) != nil {
			return nil, filters.InvalidValue("status", s)
		}
	}
	var exited []int
	for _, e := range f.Get("exited") {
		n, err := strconv.Atoi(e)
		if err != nil {
			return nil, filters.InvalidValue("exited", e)
		}
		exited = append(exited, n)
	}
	var before, since time.Time
	for _, ref := range f.Get("before") {
		c, err := d.containers.Get(ref)
		if err != nil {
			return nil, err
		}
		before = c.Created
	}
	for _, ref := range f.Get("since") {
		c, err := d.containers.Get(ref)
		if err != nil {
			return nil, err
		}
		since = c.Created
	}
	var ancestors []string
	for _, a := range f.Get("ancestor") {
		if img, err := d.images.Get(ctx, a); err == nil {
			ancestors = append(ancestors, img.ID.String())
		} else {
			ancestors = append(ancestors, a)
		}
	}
	// berth's own filter: namespace=k8s.io lists the CRI's containers,
	// which the Docker API's lists leave out (as containerd's namespaces).
	namespaces := []string{opts.Namespace}
	if f.Has("namespace") {
		namespaces = f.Get("namespace")
	}
	all := opts.All || f.Has("status") || f.Has("exited") || opts.Limit > 0 || f.Has("before") || f.Has("since")
	now := time.Now()
	out := []containertypes.Summary{}
	for _, c := range d.containers.List() {
		var ok bool
		var s containertypes.Summary
		c.Read(func(c *container.Container) {
			if ok = slices.Contains(namespaces, c.Namespace) && d.listMatch(c, f, all, exited, before, since, ancestors); ok {
				s = d.summary(c, now)
			}
		})
		if !ok {
			continue
		}
		if opts.Size {
			if rw, rootfs, ok := d.containerSizes(ctx, c.SnapshotKey, c.Image); ok {
				s.SizeRw, s.SizeRootFs = rw, rootfs
			}
		}
		out = append(out, s)
		if opts.Limit > 0 && len(out) >= opts.Limit {
			break
		}
	}
	return out, nil
}

// listMatch applies the filters to c. The caller holds c's lock.
func (d *Daemon) listMatch(c *container.Container, f filters.Args, all bool, exited []int, before, since time.Time, ancestors []string) bool {
	if c.Incomplete {
		return false
	}
	if !all && !c.State.Running() {
		return false
	}
	if !f.Any("id", func(v string) bool { return strings.HasPrefix(c.ID, v) }) {
		return false
	}
	if !f.Any("name", func(v string) bool {
		return strings.Contains(strings.TrimPrefix(c.Name, "/"), strings.TrimPrefix(v, "/"))
	}) {
		return false
	}
	if !f.Any("status", func(v string) bool { return c.State.Status == v }) {
		return false
	}
	if !d.net.FilterMatch(c, f) {
		return false
	}
	if !f.Any("health", func(v string) bool {
		if c.State.Health == nil {
			return v == string(containertypes.NoHealthcheck)
		}
		return string(c.State.Health.Status) == v
	}) {
		return false
	}
	if len(exited) > 0 && (c.State.Status != container.StatusExited || !slices.Contains(exited, c.State.ExitCode)) {
		return false
	}
	if !f.MatchLabels(c.Config.Labels) {
		return false
	}
	if !f.Any("volume", func(v string) bool {
		for _, mp := range mountPoints(c) {
			if mp.Name == v || mp.Destination == v {
				return true
			}
		}
		return false
	}) {
		return false
	}
	if !before.IsZero() && !c.Created.Before(before) {
		return false
	}
	if !since.IsZero() && !c.Created.After(since) {
		return false
	}
	if !filters.AnyOf(ancestors, func(v string) bool {
		return c.Image == v || strings.HasPrefix(strings.TrimPrefix(c.Image, "sha256:"), strings.TrimPrefix(v, "sha256:")) || c.ImageName == v ||
			strings.TrimSuffix(c.ImageName, ":latest") == strings.TrimSuffix(v, ":latest")
	}) {
		return false
	}
	return true
}

// summary is the GET /containers/json entry of c. The caller holds the lock.
func (d *Daemon) summary(c *container.Container, now time.Time) containertypes.Summary {
	s := containertypes.Summary{
		ID: c.ID, Names: []string{c.Name}, Image: c.ImageName, ImageID: c.Image,
		Command: commandString(c), Created: c.Created.Unix(), Ports: []containertypes.PortSummary{},
		Labels: c.Config.Labels, State: containertypes.ContainerState(c.State.Status), Status: c.StatusString(now),
		Mounts: mountPoints(c),
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	s.HostConfig.NetworkMode = string(c.HostConfig.NetworkMode)
	if h := c.State.Health; h != nil {
		s.Health = &containertypes.HealthSummary{Status: h.Status, FailingStreak: h.FailingStreak}
	}
	s.NetworkSettings = &containertypes.NetworkSettingsSummary{Networks: map[string]*network.EndpointSettings{}}
	var ns containertypes.NetworkSettings
	ns.Networks = s.NetworkSettings.Networks
	d.net.Networks(c, &ns)
	s.Ports = d.net.PortSummaries(c)
	return s
}

func commandString(c *container.Container) string {
	parts := append([]string{c.Path}, c.Args...)
	return strings.Join(parts, " ")
}
