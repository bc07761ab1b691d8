package resources

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
)

// Stats calls emit with the container's resource usage read from
// its cgroups: once (stream false) or every second until ctx ends or the
// container stops. Without oneShot the first sample carries precpu_stats
// of a sample taken a second earlier, as dockerd does.
func (s *Service) Stats(ctx context.Context, name string, stream, oneShot bool, emit func(*containertypes.StatsResponse) error) error {
	c, err := s.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	pid := c.State.Pid
	running := c.State.Running()
	stopped := c.StoppedChan()
	cname := c.Name
	hostNet := c.HostConfig != nil && c.HostConfig.NetworkMode.IsHost()
	c.Unlock()
	if !running || pid <= 0 {
		return emit(&containertypes.StatsResponse{ID: c.ID, Name: cname, OSType: "linux"})
	}
	paths := cgroupPaths(pid, s.v2)
	var prev *containertypes.StatsResponse
	if !stream && !oneShot {
		prev = readStats(paths, s.memTotal)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return nil
		case <-stopped:
		}
	}
	for {
		st := readStats(paths, s.memTotal)
		st.ID, st.Name, st.OSType = c.ID, cname, "linux"
		if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid)); err == nil && !hostNet {
			st.Networks = parseNetDev(string(data))
		}
		if prev != nil {
			st.PreCPUStats, st.PreRead = prev.CPUStats, prev.Read
		}
		if err := emit(st); err != nil || !stream {
			return err
		}
		prev = st
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return nil
		case <-stopped:
			return nil
		}
	}
}

// cgroupPaths maps controller names ("memory", "cpuacct", "pids", or "" for
// the unified hierarchy) to the directories of pid's cgroups; v2 tells
// whether /sys/fs/cgroup is the unified hierarchy.
func cgroupPaths(pid int, v2 bool) map[string]string {
	out := map[string]string{}
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			dir := "/sys/fs/cgroup"
			if _, err := os.Stat("/sys/fs/cgroup/unified"); err == nil && !v2 {
				dir = "/sys/fs/cgroup/unified"
			}
			out[""] = filepath.Join(dir, parts[2])
			continue
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			mount := "/sys/fs/cgroup/" + parts[1]
			if _, err := os.Stat(mount); err != nil {
				mount = "/sys/fs/cgroup/" + ctrl
			}
			out[ctrl] = filepath.Join(mount, parts[2])
		}
	}
	return out
}

func readUint(p string) uint64 {
	data, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	s := strings.TrimSpace(string(data))
	if s == "max" {
		return 0
	}
	n, _ := strconv.ParseUint(s, 10, 64)
	return n
}

func readString(p string) string {
	data, _ := os.ReadFile(p)
	return string(data)
}

func readKV(p string) map[string]uint64 {
	out := map[string]uint64{}
	data, err := os.ReadFile(p)
	if err != nil {
		return out
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 {
			if n, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				out[f[0]] = n
			}
		}
	}
	return out
}

// systemCPUUsage is the host's total CPU time in nanoseconds (/proc/stat).
func systemCPUUsage() uint64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	var ticks uint64
	for _, x := range f[1:] {
		n, _ := strconv.ParseUint(x, 10, 64)
		ticks += n
	}
	return ticks * uint64(time.Second) / 100 // USER_HZ is 100 on Linux
}

// readStats takes one sample of the cgroups at paths (cgroupPaths); a
// memory limit of none or above memTotal, the host's, reports memTotal.
func readStats(paths map[string]string, memTotal uint64) *containertypes.StatsResponse {
	s := &containertypes.StatsResponse{Read: time.Now().UTC()}
	s.CPUStats.SystemUsage = systemCPUUsage()
	s.CPUStats.OnlineCPUs = uint32(runtime.NumCPU())
	if p, ok := paths["cpuacct"]; ok {
		s.CPUStats.CPUUsage.TotalUsage = readUint(p + "/cpuacct.usage")
		if data, err := os.ReadFile(p + "/cpuacct.usage_percpu"); err == nil {
			for _, x := range strings.Fields(string(data)) {
				n, _ := strconv.ParseUint(x, 10, 64)
				s.CPUStats.CPUUsage.PercpuUsage = append(s.CPUStats.CPUUsage.PercpuUsage, n)
			}
		}
	} else if p, ok := paths[""]; ok {
		st := readKV(p + "/cpu.stat")
		s.CPUStats.CPUUsage.TotalUsage = st["usage_usec"] * 1000
		s.CPUStats.CPUUsage.UsageInUsermode = st["user_usec"] * 1000
		s.CPUStats.CPUUsage.UsageInKernelmode = st["system_usec"] * 1000
	}
	if p, ok := paths["cpu"]; ok {
		st := readKV(p + "/cpu.stat")
		s.CPUStats.ThrottlingData.Periods, s.CPUStats.ThrottlingData.ThrottledPeriods = st["nr_periods"], st["nr_throttled"]
		s.CPUStats.ThrottlingData.ThrottledTime = st["throttled_time"]
	} else if p, ok := paths[""]; ok {
		st := readKV(p + "/cpu.stat")
		s.CPUStats.ThrottlingData.Periods, s.CPUStats.ThrottlingData.ThrottledPeriods = st["nr_periods"], st["nr_throttled"]
		s.CPUStats.ThrottlingData.ThrottledTime = st["throttled_usec"] * 1000
	}
	if p, ok := paths["memory"]; ok {
		s.MemoryStats.Usage = readUint(p + "/memory.usage_in_bytes")
		s.MemoryStats.MaxUsage = readUint(p + "/memory.max_usage_in_bytes")
		s.MemoryStats.Limit = readUint(p + "/memory.limit_in_bytes")
		s.MemoryStats.Failcnt = readUint(p + "/memory.failcnt")
		s.MemoryStats.Stats = readKV(p + "/memory.stat")
	} else if p, ok := paths[""]; ok {
		s.MemoryStats.Usage = readUint(p + "/memory.current")
		s.MemoryStats.Limit = readUint(p + "/memory.max")
		s.MemoryStats.Stats = readKV(p + "/memory.stat")
	}
	if s.MemoryStats.Limit == 0 || s.MemoryStats.Limit > memTotal {
		s.MemoryStats.Limit = memTotal
	}
	if p, ok := paths["blkio"]; ok {
		s.BlkioStats.IoServiceBytesRecursive = parseBlkioV1(readString(p + "/blkio.throttle.io_service_bytes_recursive"))
		s.BlkioStats.IoServicedRecursive = parseBlkioV1(readString(p + "/blkio.throttle.io_serviced_recursive"))
	} else if p, ok := paths[""]; ok {
		s.BlkioStats.IoServiceBytesRecursive, s.BlkioStats.IoServicedRecursive = parseIOStatV2(readString(p + "/io.stat"))
	}
	pp, ok := paths["pids"]
	if !ok {
		pp, ok = paths[""]
	}
	if ok {
		s.PidsStats.Current = readUint(pp + "/pids.current")
		s.PidsStats.Limit = readUint(pp + "/pids.max")
	}
	return s
}
