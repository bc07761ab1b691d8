package cgroups

import (
	"fmt"

	"github.com/opencontainers/cgroups"
	devconfig "github.com/opencontainers/cgroups/devices/config"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// toResources converts the OCI resources into opencontainers/cgroups'
// configuration for a v1 (v2 false) or v2 host. It is pure.
//
// Conversions for v2: cpu.shares becomes cpu.weight
// (cgroups.ConvertCPUSharesToCgroupV2Value); the blkio weight and the
// memory+swap total are converted by the fs2 manager itself (io.weight or
// io.bfq.weight, memory.swap.max = swap - limit). Fields v2 has no file for
// (swappiness, disableOOMKiller, kernel memory) are errors on v2 when set.
//
// Devices: an empty list leaves the device controller alone (SkipDevices),
// so that an update of other limits never resets device rules; a non-empty
// list is applied as a whole (the emulator starts from deny-all), followed
// by the devices every container needs (defaultDevices), as runc does.
func toResources(r *specs.LinuxResources, v2 bool) (*cgroups.Resources, error) {
	out := &cgroups.Resources{}
	if r == nil {
		out.SkipDevices = true
		return out, nil
	}
	if r.Memory != nil {
		if err := memoryResources(out, r.Memory, v2); err != nil {
			return nil, err
		}
	}
	if r.CPU != nil {
		if err := cpuResources(out, r.CPU, v2); err != nil {
			return nil, err
		}
	}
	if p := r.Pids; p != nil && p.Limit != nil {
		limit := *p.Limit
		if limit <= 0 {
			limit = -1 // the OCI spec: 0 or negative means no limit
		}
		out.PidsLimit = &limit
	}
	if r.BlockIO != nil {
		blockIOResources(out, r.BlockIO)
	}
	for _, h := range r.HugepageLimits {
		out.HugetlbLimit = append(out.HugetlbLimit, &cgroups.HugepageLimit{Pagesize: h.Pagesize, Limit: h.Limit})
	}
	if n := r.Network; n != nil {
		if n.ClassID != nil {
			out.NetClsClassid = *n.ClassID
		}
		for _, p := range n.Priorities {
			out.NetPrioIfpriomap = append(out.NetPrioIfpriomap, &cgroups.IfPrioMap{Interface: p.Name, Priority: int64(p.Priority)})
		}
	}
	if len(r.Rdma) > 0 {
		out.Rdma = make(map[string]cgroups.LinuxRdma, len(r.Rdma))
		for dev, l := range r.Rdma {
			out.Rdma[dev] = cgroups.LinuxRdma{HcaHandles: l.HcaHandles, HcaObjects: l.HcaObjects}
		}
	}
	if len(r.Unified) > 0 {
		if !v2 {
			return nil, fmt.Errorf("linux.resources.unified: only supported on cgroup v2")
		}
		out.Unified = r.Unified
	}
	if len(r.Devices) == 0 {
		out.SkipDevices = true
	} else {
		rules, err := deviceRules(r.Devices)
		if err != nil {
			return nil, err
		}
		out.Devices = append(rules, defaultDevices()...)
	}
	return out, nil
}

// memoryResources converts linux.resources.memory.
func memoryResources(out *cgroups.Resources, m *specs.LinuxMemory, v2 bool) error {
	if m.Limit != nil {
		out.Memory = *m.Limit
	}
	if m.Reservation != nil {
		out.MemoryReservation = *m.Reservation
	}
	if m.Swap != nil {
		out.MemorySwap = *m.Swap
	}
	if m.Swappiness != nil {
		if v2 && int64(*m.Swappiness) != -1 {
			return fmt.Errorf("linux.resources.memory.swappiness: not supported on cgroup v2")
		}
		out.MemorySwappiness = m.Swappiness
	}
	if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
		if v2 {
			return fmt.Errorf("linux.resources.memory.disableOOMKiller: not supported on cgroup v2")
		}
		out.OomKillDisable = true
	}
	if m.CheckBeforeUpdate != nil {
		out.MemoryCheckBeforeUpdate = *m.CheckBeforeUpdate
	}
	return nil
}

// cpuResources converts linux.resources.cpu.
func cpuResources(out *cgroups.Resources, c *specs.LinuxCPU, v2 bool) error {
	if c.Shares != nil {
		if v2 {
			out.CpuWeight = cgroups.ConvertCPUSharesToCgroupV2Value(*c.Shares)
		} else {
			out.CpuShares = *c.Shares
		}
	}
	if c.Quota != nil {
		out.CpuQuota = *c.Quota
	}
	if c.Period != nil {
		out.CpuPeriod = *c.Period
	}
	out.CpuBurst = c.Burst
	if c.RealtimeRuntime != nil {
		if v2 && *c.RealtimeRuntime != 0 {
			return fmt.Errorf("linux.resources.cpu.realtimeRuntime: not supported on cgroup v2")
		}
		out.CpuRtRuntime = *c.RealtimeRuntime
	}
	if c.RealtimePeriod != nil {
		if v2 && *c.RealtimePeriod != 0 {
			return fmt.Errorf("linux.resources.cpu.realtimePeriod: not supported on cgroup v2")
		}
		out.CpuRtPeriod = *c.RealtimePeriod
	}
	out.CpusetCpus = c.Cpus
	out.CpusetMems = c.Mems
	out.CPUIdle = c.Idle
	return nil
}

// blockIOResources converts linux.resources.blockIO.
func blockIOResources(out *cgroups.Resources, b *specs.LinuxBlockIO) {
	if b.Weight != nil {
		out.BlkioWeight = *b.Weight
	}
	if b.LeafWeight != nil {
		out.BlkioLeafWeight = *b.LeafWeight
	}
	for _, wd := range b.WeightDevice {
		var w, lw uint16
		if wd.Weight != nil {
			w = *wd.Weight
		}
		if wd.LeafWeight != nil {
			lw = *wd.LeafWeight
		}
		out.BlkioWeightDevice = append(out.BlkioWeightDevice, cgroups.NewWeightDevice(wd.Major, wd.Minor, w, lw))
	}
	out.BlkioThrottleReadBpsDevice = throttle(b.ThrottleReadBpsDevice)
	out.BlkioThrottleWriteBpsDevice = throttle(b.ThrottleWriteBpsDevice)
	out.BlkioThrottleReadIOPSDevice = throttle(b.ThrottleReadIOPSDevice)
	out.BlkioThrottleWriteIOPSDevice = throttle(b.ThrottleWriteIOPSDevice)
}

func throttle(in []specs.LinuxThrottleDevice) []*cgroups.ThrottleDevice {
	var out []*cgroups.ThrottleDevice
	for _, td := range in {
		out = append(out, cgroups.NewThrottleDevice(td.Major, td.Minor, td.Rate))
	}
	return out
}

// deviceRules converts OCI device cgroup entries; a missing type means all
// devices, a missing major or minor a wildcard.
func deviceRules(in []specs.LinuxDeviceCgroup) ([]*devconfig.Rule, error) {
	var out []*devconfig.Rule
	for i, d := range in {
		rule := &devconfig.Rule{Major: devconfig.Wildcard, Minor: devconfig.Wildcard,
			Permissions: devconfig.Permissions(d.Access), Allow: d.Allow}
		switch d.Type {
		case "", "a":
			rule.Type = devconfig.WildcardDevice
		case "b":
			rule.Type = devconfig.BlockDevice
		case "c":
			rule.Type = devconfig.CharDevice
		default:
			return nil, fmt.Errorf("linux.resources.devices[%d].type: %q is not one of a, b, c", i, d.Type)
		}
		if d.Major != nil {
			rule.Major = *d.Major
		}
		if d.Minor != nil {
			rule.Minor = *d.Minor
		}
		if rule.Permissions == "" {
			rule.Permissions = "rwm"
		}
		out = append(out, rule)
	}
	return out, nil
}

// defaultDevices are the devices the OCI spec requires in every container
// (/dev/null, zero, full, random, urandom, tty, console, ptmx and the pts
// ones), plus mknod of any device, as runc allows them.
func defaultDevices() []*devconfig.Rule {
	c := func(major, minor int64, perm string) *devconfig.Rule {
		return &devconfig.Rule{Type: devconfig.CharDevice, Major: major, Minor: minor, Permissions: devconfig.Permissions(perm), Allow: true}
	}
	return []*devconfig.Rule{
		c(devconfig.Wildcard, devconfig.Wildcard, "m"),
		{Type: devconfig.BlockDevice, Major: devconfig.Wildcard, Minor: devconfig.Wildcard, Permissions: "m", Allow: true},
		c(1, 3, "rwm"),                    // /dev/null
		c(1, 5, "rwm"),                    // /dev/zero
		c(1, 7, "rwm"),                    // /dev/full
		c(1, 8, "rwm"),                    // /dev/random
		c(1, 9, "rwm"),                    // /dev/urandom
		c(5, 0, "rwm"),                    // /dev/tty
		c(5, 1, "rwm"),                    // /dev/console
		c(5, 2, "rwm"),                    // /dev/ptmx
		c(136, devconfig.Wildcard, "rwm"), // /dev/pts/*
	}
}
