package resources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/crashpoint"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/oci"
)

// Update changes the restart policy and the resource limits of a
// container. The new limits are checked against the old ones merged, then,
// if the container runs, applied to its cgroup through the runtime's
// update verb (`<runtime> update --resources - <id>`, runc's interface)
// before they are recorded; a stopped container gets them at its next
// start.
func (s *Service) Update(ctx context.Context, name string, u containertypes.UpdateConfig) (containertypes.UpdateResponse, error) {
	resp := containertypes.UpdateResponse{Warnings: []string{}}
	c, err := s.containers.Get(name)
	if err != nil {
		return resp, err
	}
	c.Lock()
	defer c.Unlock()
	if err := containertypes.ValidateRestartPolicy(u.RestartPolicy); err != nil {
		return resp, errdefs.InvalidParameter(err)
	}
	if u.RestartPolicy.Name != "" {
		if c.HostConfig.AutoRemove && u.RestartPolicy.Name != "no" {
			return resp, errdefs.InvalidParameter(errors.New("Restart policy cannot be updated because AutoRemove is enabled for the container"))
		}
	}
	resp.Warnings = append(resp.Warnings, s.Adapt(&u.Resources)...)
	merged, delta, changed, err := mergeResources(c.HostConfig.Resources, u.Resources)
	if err != nil {
		return resp, err
	}
	if err := Validate(&merged); err != nil {
		return resp, err
	}
	// The record first, marked pending, then the cgroup: a crash between
	// the two leaves limits that restore writes (FinishUpdate).
	prev, prevPolicy := c.HostConfig.Resources, c.HostConfig.RestartPolicy
	if u.RestartPolicy.Name != "" {
		c.HostConfig.RestartPolicy = u.RestartPolicy
	}
	c.HostConfig.Resources = merged
	c.UpdatePending = changed && c.State.Running()
	if err := s.containers.Save(c); err != nil {
		c.HostConfig.Resources, c.HostConfig.RestartPolicy, c.UpdatePending = prev, prevPolicy, false
		return resp, err
	}
	if c.UpdatePending {
		crashpoint.At("update-after-record")
		c.UpdatePending = false
		if err := s.runtimeUpdate(ctx, c, delta); err != nil {
			c.HostConfig.Resources, c.HostConfig.RestartPolicy = prev, prevPolicy
			_ = s.containers.Save(c)
			return resp, fmt.Errorf("Cannot update container %s: %w", c.ID, err)
		}
		if err := s.containers.Save(c); err != nil {
			return resp, err
		}
	}
	s.emit(c, "update")
	return resp, nil
}

// FinishUpdate writes c's recorded limits to its cgroup when an update the
// daemon died in left them pending; restore calls it for a running
// container. The caller holds c's lock.
func (s *Service) FinishUpdate(ctx context.Context, c *container.Container) error {
	if !c.UpdatePending {
		return nil
	}
	if err := s.runtimeUpdate(ctx, c, c.HostConfig.Resources); err != nil {
		return err
	}
	c.UpdatePending = false
	return s.containers.Save(c)
}

// mergeResources applies the limits an update sets (non-zero fields, as
// dockerd reads them) to cur. delta holds only the changed limits, for the
// runtime; changed tells whether any limit changes.
func mergeResources(cur, upd containertypes.Resources) (merged, delta containertypes.Resources, changed bool, err error) {
	merged = cur
	set64 := func(dst, dd *int64, v int64) {
		if v != 0 {
			*dst, *dd, changed = v, v, true
		}
	}
	if upd.Memory > 0 && upd.MemorySwap == 0 && cur.MemorySwap > 0 && upd.Memory > cur.MemorySwap {
		return merged, delta, false, errdefs.InvalidParameter(errUpdateSwap)
	}
	set64(&merged.Memory, &delta.Memory, upd.Memory)
	set64(&merged.MemorySwap, &delta.MemorySwap, upd.MemorySwap)
	set64(&merged.MemoryReservation, &delta.MemoryReservation, upd.MemoryReservation)
	set64(&merged.CPUShares, &delta.CPUShares, upd.CPUShares)
	set64(&merged.CPUPeriod, &delta.CPUPeriod, upd.CPUPeriod)
	set64(&merged.CPUQuota, &delta.CPUQuota, upd.CPUQuota)
	set64(&merged.CPURealtimePeriod, &delta.CPURealtimePeriod, upd.CPURealtimePeriod)
	set64(&merged.CPURealtimeRuntime, &delta.CPURealtimeRuntime, upd.CPURealtimeRuntime)
	if upd.NanoCPUs != 0 {
		if cur.CPUQuota > 0 && upd.CPUQuota == 0 {
			return merged, delta, false, errdefs.InvalidParameter(errors.New("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set"))
		}
		merged.NanoCPUs, delta.NanoCPUs, changed = upd.NanoCPUs, upd.NanoCPUs, true
	}
	if upd.CpusetCpus != "" {
		merged.CpusetCpus, delta.CpusetCpus, changed = upd.CpusetCpus, upd.CpusetCpus, true
	}
	if upd.CpusetMems != "" {
		merged.CpusetMems, delta.CpusetMems, changed = upd.CpusetMems, upd.CpusetMems, true
	}
	if upd.BlkioWeight != 0 {
		merged.BlkioWeight, delta.BlkioWeight, changed = upd.BlkioWeight, upd.BlkioWeight, true
	}
	if upd.PidsLimit != nil {
		l := *upd.PidsLimit
		merged.PidsLimit, delta.PidsLimit, changed = &l, &l, true
	}
	return merged, delta, changed, nil
}

// runtimeUpdate writes the changed limits to the running container's
// cgroup with the runtime's update verb. Device rules are left out so the
// runtime leaves the device cgroup alone.
func (s *Service) runtimeUpdate(ctx context.Context, c *container.Container, delta containertypes.Resources) error {
	r, err := oci.Resources(delta, false)
	if err != nil {
		return errdefs.InvalidParameter(err)
	}
	r.Devices = nil
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	argv, err := s.runtimeArgv(c.Runtime)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	args := append(append([]string{}, argv[1:]...), "update", "--resources", "-", c.ID)
	cmd := exec.CommandContext(ctx, argv[0], args...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if msg == "" {
			msg = err.Error()
		}
		return errors.New(msg)
	}
	return nil
}
