package resources

import (
	"os"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"
)

// Adapt drops the limits this host's cgroups cannot enforce, with
// dockerd's warnings, instead of failing at start: the block I/O weight
// needs the CFQ or BFQ scheduler (blkio.weight or blkio.bfq.weight on v1,
// the io controller on v2), swap limits need swap accounting
// (memory.memsw.* on v1), swappiness has no file on v2.
func (s *Service) Adapt(r *containertypes.Resources) []string {
	var warnings []string
	if r.BlkioWeight > 0 && !blkioWeightSupported(s.v2) {
		warnings = append(warnings, "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")
		r.BlkioWeight = 0
	}
	if r.MemorySwap > 0 && !s.v2 && !exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") {
		warnings = append(warnings, "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.")
		r.MemorySwap = -1
	}
	if r.MemorySwappiness != nil && *r.MemorySwappiness != -1 && s.v2 {
		warnings = append(warnings, "Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.")
		r.MemorySwappiness = nil
	}
	return warnings
}

// DefaultSwap gives a container with a memory limit and no swap limit a
// memory+swap limit of twice its memory, as dockerd does at create, when
// the host accounts swap.
func (s *Service) DefaultSwap(r *containertypes.Resources) {
	if r.Memory <= 0 || r.MemorySwap != 0 {
		return
	}
	if s.v2 && !swapAccountingV2() || !s.v2 && !exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") {
		return
	}
	r.MemorySwap = 2 * r.Memory
}

// swapAccountingV2 reports whether cgroups of this v2 host have
// memory.swap.max (the daemon's own cgroup is a non-root one that has
// the memory controller when containers can have memory limits).
func swapAccountingV2() bool {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return exists("/sys/fs/cgroup" + p + "/memory.swap.max")
		}
	}
	return false
}

func blkioWeightSupported(v2 bool) bool {
	if v2 {
		data, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
		return err == nil && strings.Contains(" "+string(data)+" ", " io ")
	}
	return exists("/sys/fs/cgroup/blkio/blkio.weight") || exists("/sys/fs/cgroup/blkio/blkio.bfq.weight")
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
