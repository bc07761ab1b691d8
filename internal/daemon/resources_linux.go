package daemon

import (
	"os"
	"strings"

	containertypes "github.com/moby/moby/api/types/container"
)

// adaptResources drops the limits this host's cgroups cannot enforce, with
// dockerd's warnings, instead of failing at start: the block I/O weight
// needs the CFQ or BFQ scheduler (blkio.weight or blkio.bfq.weight on v1,
// the io controller on v2), swap limits need swap accounting
// (memory.memsw.* on v1), swappiness has no file on v2.
func adaptResources(r *containertypes.Resources, v2 bool) []string {
	var warnings []string
	if r.BlkioWeight > 0 && !blkioWeightSupported(v2) {
		warnings = append(warnings, "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")
		r.BlkioWeight = 0
	}
	if r.MemorySwap > 0 && !v2 && !exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") {
		warnings = append(warnings, "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.")
		r.MemorySwap = -1
	}
	if r.MemorySwappiness != nil && *r.MemorySwappiness != -1 && v2 {
		warnings = append(warnings, "Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.")
		r.MemorySwappiness = nil
	}
	return warnings
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
