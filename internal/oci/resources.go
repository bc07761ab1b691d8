package oci

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/moby/moby/api/types/container"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Resources maps a container's resource limits to the OCI spec as dockerd
// does (daemon/oci_linux.go): only the limits that are set appear, --cpus
// becomes a CFS quota over a 100ms period (an explicit --cpu-period or
// --cpu-quota wins), a pids limit of 0 or less means unlimited (-1, which
// runtimes need to lift an earlier limit on update). The device cgroup is
// Docker's default list followed by --device-cgroup-rule entries (the
// rules of --device are added by the caller, see addDevices).
func Resources(r container.Resources, privileged bool) (*specs.LinuxResources, error) {
	out := &specs.LinuxResources{Devices: DefaultDevices(privileged)}
	if mem := memory(r); mem != nil {
		out.Memory = mem
	}
	out.CPU = cpu(r)
	if r.PidsLimit != nil {
		l := *r.PidsLimit
		if l <= 0 {
			l = -1
		}
		out.Pids = &specs.LinuxPids{Limit: &l}
	}
	if r.BlkioWeight > 0 {
		w := r.BlkioWeight
		out.BlockIO = &specs.LinuxBlockIO{Weight: &w}
	}
	if !privileged {
		for _, rule := range r.DeviceCgroupRules {
			d, err := ParseDeviceCgroupRule(rule)
			if err != nil {
				return nil, err
			}
			out.Devices = append(out.Devices, d)
		}
	}
	return out, nil
}

// setNonZero points *dst at v and marks set when v is not zero (a limit
// left at zero is not set).
func setNonZero[T int64 | uint64](dst **T, v T, set *bool) {
	if v != 0 {
		*dst, *set = &v, true
	}
}

func memory(r container.Resources) *specs.LinuxMemory {
	m := &specs.LinuxMemory{}
	set := false
	setNonZero(&m.Limit, r.Memory, &set)
	setNonZero(&m.Reservation, r.MemoryReservation, &set)
	setNonZero(&m.Swap, r.MemorySwap, &set)
	if r.MemorySwappiness != nil && *r.MemorySwappiness >= 0 {
		v := uint64(*r.MemorySwappiness)
		m.Swappiness, set = &v, true
	}
	if r.OomKillDisable != nil && *r.OomKillDisable {
		v := true
		m.DisableOOMKiller, set = &v, true
	}
	if !set {
		return nil
	}
	return m
}

func cpu(r container.Resources) *specs.LinuxCPU {
	c := &specs.LinuxCPU{Cpus: r.CpusetCpus, Mems: r.CpusetMems}
	set := r.CpusetCpus != "" || r.CpusetMems != ""
	setNonZero(&c.Shares, uint64(r.CPUShares), &set)
	if r.NanoCPUs > 0 {
		period := uint64(100000)
		quota := r.NanoCPUs * int64(period) / 1e9
		c.Period, c.Quota, set = &period, &quota, true
	}
	setNonZero(&c.Period, uint64(r.CPUPeriod), &set)
	setNonZero(&c.Quota, r.CPUQuota, &set)
	setNonZero(&c.RealtimePeriod, uint64(r.CPURealtimePeriod), &set)
	setNonZero(&c.RealtimeRuntime, r.CPURealtimeRuntime, &set)
	if !set {
		return nil
	}
	return c
}

// deviceCgroupRuleRE is Docker's syntax of --device-cgroup-rule:
// "TYPE MAJOR:MINOR ACCESS" with TYPE a, b or c, MAJOR and MINOR numbers
// or *, ACCESS a combination of r, w and m.
var deviceCgroupRuleRE = regexp.MustCompile(`^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$`)

// ParseDeviceCgroupRule parses one --device-cgroup-rule ("c 1:3 rwm").
func ParseDeviceCgroupRule(rule string) (specs.LinuxDeviceCgroup, error) {
	m := deviceCgroupRuleRE.FindStringSubmatch(rule)
	if m == nil {
		return specs.LinuxDeviceCgroup{}, fmt.Errorf("invalid device cgroup rule format: '%s'", rule)
	}
	d := specs.LinuxDeviceCgroup{Allow: true, Type: m[1], Access: m[4]}
	num := func(s string) (*int64, error) {
		if s == "*" {
			return nil, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid device cgroup rule format: '%s'", rule)
		}
		return &n, nil
	}
	var err error
	if d.Major, err = num(m[2]); err != nil {
		return d, err
	}
	if d.Minor, err = num(m[3]); err != nil {
		return d, err
	}
	return d, nil
}
