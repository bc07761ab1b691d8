package daemon

import (
	"context"
	"errors"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/errdefs"
)

// ContainerUpdate changes the restart policy and the recorded resource
// limits. Limits apply from the next start: berth does not yet change the
// cgroup of a running container, and says so in the warnings.
func (d *Daemon) ContainerUpdate(ctx context.Context, name string, u containertypes.UpdateConfig) (containertypes.UpdateResponse, error) {
	resp := containertypes.UpdateResponse{Warnings: []string{}}
	c, err := d.containers.Get(name)
	if err != nil {
		return resp, err
	}
	c.Lock()
	defer c.Unlock()
	if u.RestartPolicy.Name != "" {
		if c.HostConfig.AutoRemove && u.RestartPolicy.Name != "no" {
			return resp, errdefs.InvalidParameter(errors.New("Restart policy cannot be updated because AutoRemove is enabled for the container"))
		}
		c.HostConfig.RestartPolicy = u.RestartPolicy
	}
	r := u.Resources
	changed := false
	set := func(dst *int64, v int64) {
		if v != 0 {
			*dst, changed = v, true
		}
	}
	set(&c.HostConfig.Memory, r.Memory)
	set(&c.HostConfig.MemorySwap, r.MemorySwap)
	set(&c.HostConfig.CPUShares, r.CPUShares)
	set(&c.HostConfig.NanoCPUs, r.NanoCPUs)
	if r.PidsLimit != nil {
		c.HostConfig.PidsLimit, changed = r.PidsLimit, true
	}
	if changed && c.State.Running() {
		resp.Warnings = append(resp.Warnings, "resource limits are recorded and apply from the next start of the container")
	}
	if err := d.containers.Save(c); err != nil {
		return resp, err
	}
	d.emit("container", "update", c, nil)
	return resp, nil
}
