package daemon

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/storage"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/daemon/netglue"
	"github.com/berth/berth/internal/logger"
)

// ContainerInspect returns GET /containers/{name}/json.
func (d *Daemon) ContainerInspect(ctx context.Context, name string, size bool) (*containertypes.InspectResponse, error) {
	c, err := d.containers.Get(name)
	if err != nil {
		return nil, err
	}
	var resp *containertypes.InspectResponse
	var key, image string
	c.Read(func(c *container.Container) {
		resp = d.inspect(c)
		key, image = c.SnapshotKey, c.Image
	})
	if size {
		if rw, rootfs, ok := d.containerSizes(ctx, key, image); ok {
			resp.SizeRw, resp.SizeRootFs = &rw, &rootfs
		}
	}
	return resp, nil
}

// containerSizes returns, as dockerd counts them, the size of a
// container's writable layer and of its whole root filesystem (that layer
// and its image's).
func (d *Daemon) containerSizes(ctx context.Context, key, image string) (rw, rootfs int64, ok bool) {
	rw, err := d.snapshotter.Usage(ctx, key)
	if err != nil {
		return 0, 0, false
	}
	rootfs = rw
	if img, err := d.images.Get(ctx, image); err == nil {
		rootfs += img.Size
	}
	return rw, rootfs, true
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// inspect builds the inspect body of c. The caller holds the lock.
func (d *Daemon) inspect(c *container.Container) *containertypes.InspectResponse {
	st := c.State
	dir := d.containerDir(c.ID)
	cfg := *c.Config
	hc := *c.HostConfig
	if hc.LogConfig.Config == nil {
		hc.LogConfig.Config = map[string]string{}
	}
	hc.Links = netglue.InspectLinks(c.Name, hc.Links)
	resp := &containertypes.InspectResponse{
		ID: c.ID, Created: fmtTime(c.Created), Path: c.Path, Args: c.Args,
		State: &containertypes.State{
			Status: containertypes.ContainerState(st.Status), Running: st.Status == container.StatusRunning || st.Status == container.StatusPaused,
			Paused: st.Status == container.StatusPaused, Restarting: st.Status == container.StatusRestarting,
			OOMKilled: st.OOMKilled, Dead: st.Status == container.StatusDead, Pid: st.Pid, ExitCode: st.ExitCode,
			Error: st.Error, StartedAt: fmtTime(st.StartedAt), FinishedAt: fmtTime(st.FinishedAt),
			Health: st.Health,
		},
		Image:          c.Image,
		ResolvConfPath: dir + "/resolv.conf", HostnamePath: dir + "/hostname", HostsPath: dir + "/hosts",
		LogPath: logger.Shown(c.HostConfig.LogConfig.Type, c.LogPath), Name: c.Name, RestartCount: c.RestartCount, Driver: c.Driver, Platform: "linux",
		ExecIDs: d.procs.ExecIDs(c.ID), HostConfig: &hc, Config: &cfg, Mounts: mountPoints(c),
		GraphDriver: &storage.DriverData{Name: c.Driver, Data: map[string]string{}},
		NetworkSettings: &containertypes.NetworkSettings{
			SandboxKey: "", Networks: map[string]*network.EndpointSettings{},
		},
	}
	if st.Pid > 0 && !c.HostConfig.NetworkMode.IsHost() {
		resp.NetworkSettings.SandboxKey = "/proc/" + strconv.Itoa(st.Pid) + "/ns/net"
	}
	d.net.Settings(c, resp.NetworkSettings)
	return resp
}

// mountPoints lists the bind and tmpfs mounts of c as Docker shows them.
func mountPoints(c *container.Container) []containertypes.MountPoint {
	out := []containertypes.MountPoint{}
	for _, b := range c.HostConfig.Binds {
		src, rest, _ := strings.Cut(b, ":")
		if !strings.HasPrefix(src, "/") {
			continue // a named volume: listed from c.MountPoints
		}
		dst, mode, _ := strings.Cut(rest, ":")
		out = append(out, containertypes.MountPoint{
			Type: mount.TypeBind, Source: src, Destination: dst, Mode: mode, RW: mode != "ro" && !slices.Contains(strings.Split(mode, ","), "ro"),
			Propagation: mount.PropagationRPrivate,
		})
	}
	for _, m := range c.HostConfig.Mounts {
		if m.Type == mount.TypeVolume {
			continue // listed from c.MountPoints
		}
		mp := containertypes.MountPoint{Type: m.Type, Source: m.Source, Destination: m.Target, RW: !m.ReadOnly}
		if m.Type == mount.TypeBind {
			mp.Propagation = mount.PropagationRPrivate
		}
		out = append(out, mp)
	}
	for _, mp := range c.MountPoints {
		out = append(out, mp.MountPoint)
	}
	return out
}
