package resources

import (
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/testutil"
)

// hostMemory stands for the host's memory (Config.MemTotal).
const hostMemory = 8 << 30

// TestReadStatsV2 reads a unified (v2) cgroup directory as the daemon
// finds it on a pure v2 host.
func TestReadStatsV2(t *testing.T) {
	dir := t.TempDir()
	testutil.WriteFiles(t, dir, map[string]string{
		"cpu.stat":       "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\nnr_periods 7\nnr_throttled 3\nthrottled_usec 40\n",
		"memory.current": "1048576\n",
		"memory.max":     "67108864\n",
		"memory.stat":    "anon 524288\nfile 262144\ninactive_file 131072\n",
		"pids.current":   "3\n",
		"pids.max":       "max\n",
		"io.stat":        "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n",
	})
	s := readStats(map[string]string{"": dir}, hostMemory)
	if s.CPUStats.CPUUsage.TotalUsage != 2500000 || s.CPUStats.CPUUsage.UsageInUsermode != 2000000 || s.CPUStats.CPUUsage.UsageInKernelmode != 500000 {
		t.Errorf("cpu %+v", s.CPUStats.CPUUsage)
	}
	if td := s.CPUStats.ThrottlingData; td.Periods != 7 || td.ThrottledPeriods != 3 || td.ThrottledTime != 40000 {
		t.Errorf("throttling %+v", td)
	}
	if s.MemoryStats.Usage != 1<<20 || s.MemoryStats.Limit != 64<<20 || s.MemoryStats.Stats["inactive_file"] != 131072 {
		t.Errorf("memory %+v", s.MemoryStats)
	}
	if s.PidsStats.Current != 3 || s.PidsStats.Limit != 0 {
		t.Errorf("pids %+v", s.PidsStats)
	}
	if len(s.BlkioStats.IoServiceBytesRecursive) != 2 || s.BlkioStats.IoServiceBytesRecursive[1].Value != 8192 || len(s.BlkioStats.IoServicedRecursive) != 2 {
		t.Errorf("blkio %+v", s.BlkioStats)
	}
	if s.CPUStats.SystemUsage == 0 || s.CPUStats.OnlineCPUs == 0 {
		t.Errorf("system cpu %+v", s.CPUStats)
	}
}

// TestReadStatsV1 reads one directory per v1 controller; a memory limit
// above the host's memory (unlimited) reports the host's memory.
func TestReadStatsV1(t *testing.T) {
	root := t.TempDir()
	paths := map[string]string{}
	for ctrl, files := range map[string]map[string]string{
		"cpuacct": {"cpuacct.usage": "3000000\n", "cpuacct.usage_percpu": "1000000 2000000 \n"},
		"memory": {"memory.usage_in_bytes": "2097152\n", "memory.max_usage_in_bytes": "4194304\n",
			"memory.limit_in_bytes": "9223372036854771712\n", "memory.failcnt": "0\n", "memory.stat": "total_inactive_file 4096\n"},
		"pids":  {"pids.current": "2\n", "pids.max": "10\n"},
		"cpu":   {"cpu.stat": "nr_periods 5\nnr_throttled 2\nthrottled_time 12345\n"},
		"blkio": {"blkio.throttle.io_service_bytes_recursive": "8:0 Read 10\n8:0 Write 20\nTotal 30\n", "blkio.throttle.io_serviced_recursive": "8:0 Read 1\n8:0 Write 2\nTotal 3\n"},
	} {
		paths[ctrl] = filepath.Join(root, ctrl)
		testutil.WriteFiles(t, paths[ctrl], files)
	}
	s := readStats(paths, hostMemory)
	if s.CPUStats.CPUUsage.TotalUsage != 3000000 || len(s.CPUStats.CPUUsage.PercpuUsage) != 2 {
		t.Errorf("cpu %+v", s.CPUStats.CPUUsage)
	}
	if s.MemoryStats.Usage != 2<<20 || s.MemoryStats.MaxUsage != 4<<20 || s.MemoryStats.Limit != hostMemory || s.MemoryStats.Stats["total_inactive_file"] != 4096 {
		t.Errorf("memory %+v (host %d)", s.MemoryStats, hostMemory)
	}
	if td := s.CPUStats.ThrottlingData; td.Periods != 5 || td.ThrottledPeriods != 2 || td.ThrottledTime != 12345 {
		t.Errorf("throttling %+v", td)
	}
	if s.PidsStats.Current != 2 || s.PidsStats.Limit != 10 {
		t.Errorf("pids %+v", s.PidsStats)
	}
	if len(s.BlkioStats.IoServiceBytesRecursive) != 2 || s.BlkioStats.IoServiceBytesRecursive[1].Op != "Write" || s.BlkioStats.IoServicedRecursive[0].Value != 1 {
		t.Errorf("blkio %+v", s.BlkioStats)
	}
}
