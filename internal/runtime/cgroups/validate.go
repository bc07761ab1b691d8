package cgroups

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Validate checks r without touching the host. Errors name the field, for
// example "linux.resources.memory.limit: ...". A nil r is valid.
func Validate(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("linux.resources.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if m := r.Memory; m != nil {
		if m.Limit != nil && *m.Limit < -1 {
			bad("memory.limit", "%d is negative (use -1 for unlimited)", *m.Limit)
		}
		if m.Reservation != nil && *m.Reservation < -1 {
			bad("memory.reservation", "%d is negative (use -1 for unlimited)", *m.Reservation)
		}
		if m.Swap != nil {
			switch {
			case *m.Swap < -1:
				bad("memory.swap", "%d is negative (use -1 for unlimited)", *m.Swap)
			case *m.Swap > 0 && (m.Limit == nil || *m.Limit == 0):
				bad("memory.swap", "memory+swap limit needs a memory limit")
			case *m.Swap > 0 && *m.Limit > 0 && *m.Swap < *m.Limit:
				bad("memory.swap", "memory+swap limit %d is below the memory limit %d", *m.Swap, *m.Limit)
			}
		}
		if m.Swappiness != nil && *m.Swappiness > 100 && int64(*m.Swappiness) != -1 {
			bad("memory.swappiness", "%d is out of range (0-100)", *m.Swappiness)
		}
	}
	if c := r.CPU; c != nil {
		if c.Shares != nil && *c.Shares != 0 && (*c.Shares < 2 || *c.Shares > 262144) {
			bad("cpu.shares", "%d is out of range (2-262144)", *c.Shares)
		}
		if c.Quota != nil && *c.Quota != -1 && *c.Quota != 0 && *c.Quota < 1000 {
			bad("cpu.quota", "%d is below the minimum of 1000 microseconds (use -1 for unlimited)", *c.Quota)
		}
		if c.Period != nil && *c.Period != 0 && (*c.Period < 1000 || *c.Period > 1000000) {
			bad("cpu.period", "%d is out of range (1000-1000000 microseconds)", *c.Period)
		}
		if c.Idle != nil && *c.Idle != 0 && *c.Idle != 1 {
			bad("cpu.idle", "%d must be 0 or 1", *c.Idle)
		}
		if c.Cpus != "" && !validList(c.Cpus) {
			bad("cpu.cpus", "%q is not a CPU list like 0-2,4", c.Cpus)
		}
		if c.Mems != "" && !validList(c.Mems) {
			bad("cpu.mems", "%q is not a memory node list like 0-1", c.Mems)
		}
	}
	if b := r.BlockIO; b != nil {
		if b.Weight != nil && *b.Weight != 0 && (*b.Weight < 10 || *b.Weight > 1000) {
			bad("blockIO.weight", "%d is out of range (10-1000)", *b.Weight)
		}
		if b.LeafWeight != nil && *b.LeafWeight != 0 && (*b.LeafWeight < 10 || *b.LeafWeight > 1000) {
			bad("blockIO.leafWeight", "%d is out of range (10-1000)", *b.LeafWeight)
		}
		for i, wd := range b.WeightDevice {
			if wd.Weight != nil && *wd.Weight != 0 && (*wd.Weight < 10 || *wd.Weight > 1000) {
				bad(fmt.Sprintf("blockIO.weightDevice[%d].weight", i), "%d is out of range (10-1000)", *wd.Weight)
			}
		}
	}
	for i, d := range r.Devices {
		field := fmt.Sprintf("devices[%d]", i)
		switch d.Type {
		case "", "a", "b", "c":
		default:
			bad(field+".type", "%q is not one of a, b, c", d.Type)
		}
		if strings.Trim(d.Access, "rwm") != "" {
			bad(field+".access", "%q is not a combination of r, w, m", d.Access)
		}
		if d.Major != nil && *d.Major < -1 {
			bad(field+".major", "%d is negative", *d.Major)
		}
		if d.Minor != nil && *d.Minor < -1 {
			bad(field+".minor", "%d is negative", *d.Minor)
		}
	}
	for i, h := range r.HugepageLimits {
		if h.Pagesize == "" {
			bad(fmt.Sprintf("hugepageLimits[%d].pageSize", i), "empty")
		}
	}
	for k := range r.Unified {
		if k == "" || strings.Contains(k, "/") || strings.HasPrefix(k, ".") {
			bad("unified", "%q is not a cgroup file name", k)
		}
	}
	return errors.Join(errs...)
}

// validList reports whether s is a cpuset list ("0-3,5,7-8").
func validList(s string) bool {
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 32)
		if err != nil {
			return false
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 32)
			if err != nil || b < a {
				return false
			}
		}
	}
	return true
}
