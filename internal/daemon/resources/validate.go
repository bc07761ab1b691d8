package resources

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/oci"
	"github.com/berth/berth/internal/rlimit"
)

// minMemory is dockerd's smallest memory limit and reservation (6MB).
const minMemory = 6 * 1024 * 1024

// Validate checks the resource limits of a create (or the merged limits
// of an update) with dockerd's messages, before anything is made.
func Validate(r *containertypes.Resources) error {
	bad := func(format string, args ...any) error {
		return errdefs.InvalidParameter(fmt.Errorf(format, args...))
	}
	switch {
	case r.Memory < 0 && r.Memory != -1:
		return bad("invalid memory limit %d", r.Memory)
	case r.Memory > 0 && r.Memory < minMemory:
		return bad("Minimum memory limit allowed is 6MB")
	case r.MemorySwap > 0 && r.Memory <= 0:
		return bad("You should always set the Memory limit when using Memoryswap limit, see usage")
	case r.MemorySwap > 0 && r.MemorySwap < r.Memory:
		return bad("Minimum memoryswap limit should be larger than memory limit, see usage")
	case r.MemorySwap < -1:
		return bad("invalid memoryswap limit %d", r.MemorySwap)
	case r.MemorySwappiness != nil && (*r.MemorySwappiness < -1 || *r.MemorySwappiness > 100):
		return bad("Invalid value: %v, valid memory swappiness range is 0-100", *r.MemorySwappiness)
	case r.MemoryReservation < 0:
		return bad("invalid memory reservation %d", r.MemoryReservation)
	case r.MemoryReservation > 0 && r.MemoryReservation < minMemory:
		return bad("Minimum memory reservation allowed is 6MB")
	case r.Memory > 0 && r.MemoryReservation > 0 && r.Memory < r.MemoryReservation:
		return bad("Minimum memory limit can not be less than memory reservation limit, see usage")
	}
	ncpu := runtime.NumCPU()
	switch {
	case r.NanoCPUs < 0 || r.NanoCPUs > int64(ncpu)*1e9 || r.NanoCPUs > 0 && r.NanoCPUs < 1e7:
		// below 0.01 CPU the CFS quota would be under the kernel's 1ms
		return bad("Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", ncpu, ncpu)
	case r.NanoCPUs > 0 && r.CPUPeriod > 0:
		return bad("Conflicting options: Nano CPUs and CPU Period cannot both be set")
	case r.NanoCPUs > 0 && r.CPUQuota > 0:
		return bad("Conflicting options: Nano CPUs and CPU Quota cannot both be set")
	case r.CPUShares < 0:
		return bad("invalid CPU shares %d: must not be negative", r.CPUShares)
	case r.CPUPeriod != 0 && (r.CPUPeriod < 1000 || r.CPUPeriod > 1000000):
		return bad("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
	case r.CPUQuota > 0 && r.CPUQuota < 1000:
		return bad("CPU cfs quota can not be less than 1ms (i.e. 1000)")
	case r.CPUQuota < -1:
		return bad("invalid CPU cfs quota %d", r.CPUQuota)
	}
	if r.CpusetCpus != "" {
		max, ok := cpusetMax(r.CpusetCpus)
		if !ok {
			return bad("Invalid value %s for cpuset cpus", r.CpusetCpus)
		}
		if max >= ncpu {
			return bad("Requested CPUs are not available - requested %s, available: 0-%d", r.CpusetCpus, ncpu-1)
		}
	}
	if r.CpusetMems != "" {
		if _, ok := cpusetMax(r.CpusetMems); !ok {
			return bad("Invalid value %s for cpuset mems", r.CpusetMems)
		}
	}
	if r.BlkioWeight > 0 && (r.BlkioWeight < 10 || r.BlkioWeight > 1000) {
		return bad("Range of blkio weight is from 10 to 1000")
	}
	for _, u := range r.Ulimits {
		if u == nil {
			continue
		}
		if !rlimit.IsUlimit(u.Name) {
			return bad("invalid ulimit type: %s", u.Name)
		}
		if u.Soft > u.Hard {
			return bad("ulimit soft limit must be less than or equal to hard limit: %d > %d", u.Soft, u.Hard)
		}
	}
	for _, rule := range r.DeviceCgroupRules {
		if _, err := oci.ParseDeviceCgroupRule(rule); err != nil {
			return errdefs.InvalidParameter(err)
		}
	}
	return nil
}

// ValidateSecurity checks the host config's other limits and security
// options: OOM score, /dev/shm size, sysctls, --security-opt keys.
func ValidateSecurity(hc *containertypes.HostConfig) error {
	bad := func(format string, args ...any) error {
		return errdefs.InvalidParameter(fmt.Errorf(format, args...))
	}
	if hc.OomScoreAdj < -1000 || hc.OomScoreAdj > 1000 {
		return bad("Invalid value %d, range for oom score adj is [-1000, 1000]", hc.OomScoreAdj)
	}
	if hc.ShmSize < 0 {
		return bad("SHM size can not be less than 0")
	}
	for k := range hc.Sysctls {
		if err := validateSysctl(k, hc); err != nil {
			return errdefs.InvalidParameter(err)
		}
	}
	for _, o := range hc.SecurityOpt {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, ok = strings.Cut(o, ":")
		}
		switch {
		case o == "no-new-privileges" || k == "no-new-privileges" && (v == "true" || v == "false"):
		case k == "seccomp" && v != "", k == "systempaths" && v == "unconfined":
		case (k == "label" || k == "apparmor") && ok:
			// No SELinux or AppArmor on these hosts: accepted and ignored, as
			// dockerd does when the host has neither.
		default:
			return bad("invalid --security-opt: %q", o)
		}
	}
	return nil
}

// validateSysctl accepts the namespaced sysctls Docker accepts: IPC ones
// (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*) unless the IPC
// namespace is the host's, net.* unless the network is the host's.
func validateSysctl(k string, hc *containertypes.HostConfig) error {
	switch {
	case k == "kernel.msgmax" || k == "kernel.msgmnb" || k == "kernel.msgmni" || k == "kernel.sem" ||
		k == "kernel.shmall" || k == "kernel.shmmax" || k == "kernel.shmmni" || k == "kernel.shm_rmid_forced" ||
		strings.HasPrefix(k, "fs.mqueue."):
		if hc.IpcMode == "host" {
			return fmt.Errorf("sysctl %q is not allowed in host IPC namespace", k)
		}
		return nil
	case strings.HasPrefix(k, "net."):
		if hc.NetworkMode.IsHost() {
			return fmt.Errorf("sysctl %q is not allowed in host network namespace", k)
		}
		return nil
	case k == "kernel.domainname" || k == "kernel.hostname":
		if hc.UTSMode == "host" {
			return fmt.Errorf("sysctl %q is not allowed in host UTS namespace", k)
		}
		return nil
	}
	return fmt.Errorf("sysctl %q is not allowed: not a namespaced sysctl", k)
}

// cpusetMax returns the highest number of a list like "0-2,4".
func cpusetMax(s string) (int, bool) {
	max := -1
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return 0, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, false
			}
		}
		if b > max {
			max = b
		}
	}
	return max, true
}

var errUpdateSwap = errors.New("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time")
