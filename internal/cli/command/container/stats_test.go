package container_test

import (
	"testing"

	"github.com/berth/berth/internal/cli/clitest"
	containercmd "github.com/berth/berth/internal/cli/command/container"
	"github.com/moby/moby/api/types/container"
)

func TestStatsNoStream(t *testing.T) {
	f := clitest.New(t)
	var s container.StatsResponse
	s.ID, s.Name = "0123456789abcdef0123", "/web"
	s.CPUStats.CPUUsage.TotalUsage, s.PreCPUStats.CPUUsage.TotalUsage = 300, 200
	s.CPUStats.SystemUsage, s.PreCPUStats.SystemUsage = 2000, 1000
	s.CPUStats.OnlineCPUs = 2
	s.MemoryStats.Usage, s.MemoryStats.Limit = 3<<20, 100<<20
	s.MemoryStats.Stats = map[string]uint64{"total_inactive_file": 1 << 20}
	s.Networks = map[string]container.NetworkStats{"eth0": {RxBytes: 1500, TxBytes: 0}}
	s.BlkioStats.IoServiceBytesRecursive = []container.BlkioStatEntry{{Op: "Read", Value: 4096}, {Op: "Write", Value: 8192}}
	s.PidsStats.Current = 3
	f.Handle("GET /containers/web/stats", clitest.JSON(s))
	out, errOut, code := f.Run("", "stats", "--no-stream", "web")
	want := "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O      BLOCK I/O        PIDS\n" +
		"0123456789ab   web       20.00%    2MiB / 100MiB       2.00%     1.5kB / 0B   4.1kB / 8.19kB   3\n"
	if code != 0 {
		t.Fatalf("stats: %d %s", code, errOut)
	}
	if out != want {
		t.Fatalf("stats output:\n%s\nwant:\n%s", out, want)
	}
	row := containercmd.NewStatsRow("web", s)
	if row.CPUPerc() != "20.00%" || row.MemUsage() != "2MiB / 100MiB" || row.MemPerc() != "2.00%" ||
		row.NetIO() != "1.5kB / 0B" || row.BlockIO() != "4.1kB / 8.19kB" || row.PIDs() != "3" || row.Name() != "web" {
		t.Fatalf("row %s %s %s %s %s %s", row.CPUPerc(), row.MemUsage(), row.MemPerc(), row.NetIO(), row.BlockIO(), row.PIDs())
	}
	f.Handle("GET /containers/nosuch/stats", clitest.NotFound("No such container: nosuch"))
	if _, errOut, code := f.Run("", "stats", "--no-stream", "nosuch"); code != 1 || errOut != "Error response from daemon: No such container: nosuch\n" {
		t.Fatalf("stats nosuch: %d %q", code, errOut)
	}
}
