package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/cgroups"
)

// checkFiles on fake cgroup directories: a weight asked for on a host
// without CFQ/BFQ is an error naming the field and the file.
func TestCheckFilesNamesMissingFile(t *testing.T) {
	dir := t.TempDir()
	v1 := &manager{paths: map[string]string{"blkio": dir, "devices": dir}}
	err := v1.checkFiles(&cgroups.Resources{BlkioWeight: 300})
	want := filepath.Join(dir, "blkio.weight")
	if err == nil || !strings.Contains(err.Error(), "linux.resources.blockIO.weight") || !strings.Contains(err.Error(), want) {
		t.Fatalf("v1: %v; want the field and %s", err, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "blkio.bfq.weight"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := v1.checkFiles(&cgroups.Resources{BlkioWeight: 300}); err != nil {
		t.Fatalf("v1 with blkio.bfq.weight: %v", err)
	}

	v2 := &manager{v2: true, paths: map[string]string{"": dir}}
	err = v2.checkFiles(&cgroups.Resources{BlkioWeight: 300})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "io.weight")) {
		t.Fatalf("v2: %v", err)
	}
	err = v2.checkFiles(&cgroups.Resources{HugetlbLimit: []*cgroups.HugepageLimit{{Pagesize: "2MB", Limit: 1}}})
	if err == nil || !strings.Contains(err.Error(), "hugetlb.2MB.max") {
		t.Fatalf("v2 hugetlb: %v", err)
	}
	nohuge := &manager{paths: map[string]string{"devices": dir}}
	err = nohuge.checkFiles(&cgroups.Resources{HugetlbLimit: []*cgroups.HugepageLimit{{Pagesize: "2MB", Limit: 1}}})
	if err == nil || !strings.Contains(err.Error(), "linux.resources.hugepageLimits: the cgroup controller is not mounted") {
		t.Fatalf("v1 hugetlb without controller: %v", err)
	}

	// Swap without swap accounting: -1 is dropped, a real limit refused.
	mem := &manager{paths: map[string]string{"memory": dir, "devices": dir}}
	res := &cgroups.Resources{Memory: 64 << 20, MemorySwap: -1}
	if err := mem.checkFiles(res); err != nil || res.MemorySwap != 0 {
		t.Fatalf("unlimited swap without accounting: %v, swap %d", err, res.MemorySwap)
	}
	err = mem.checkFiles(&cgroups.Resources{Memory: 64 << 20, MemorySwap: 128 << 20})
	if err == nil || !strings.Contains(err.Error(), "memory.memsw.limit_in_bytes") {
		t.Fatalf("swap limit without accounting: %v", err)
	}
}
