package shim

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// oomCounterOf returns the file that counts OOM kills in the memory
// cgroup the bundle's spec names (its cgroupfs path), else in pid's:
// the spec's is known even when the process was killed before it is
// looked at (a container run at once that runs out of memory at once).
func oomCounterOf(bundle string, pid int) string {
	var spec struct {
		Linux *struct {
			CgroupsPath string `json:"cgroupsPath"`
		} `json:"linux"`
	}
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err == nil && json.Unmarshal(data, &spec) == nil && spec.Linux != nil {
		if cg := spec.Linux.CgroupsPath; strings.HasPrefix(cg, "/") {
			if p := counterIn(cg, filepath.Join("/sys/fs/cgroup/memory", cg)); p != "" {
				return p
			}
		}
	}
	return oomCounter(pid)
}

// counterIn is the OOM counter of the cgroup at path cg: v1's
// memory.oom_control in v1dir, else v2's memory.events; "" when neither.
func counterIn(cg, v1dir string) string {
	if p := filepath.Join(v1dir, "memory.oom_control"); exists(p) {
		return p
	}
	for _, root := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		if p := filepath.Join(root, cg, "memory.events"); exists(p) {
			return p
		}
	}
	return ""
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// oomCounter returns the file that counts OOM kills in pid's memory cgroup:
// memory.oom_control (cgroup v1, key oom_kill) or memory.events (v2), or ""
// when there is none. Read it while the cgroup exists (before delete).
func oomCounter(pid int) string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return ""
	}
	defer f.Close()
	var v2 string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				p := filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.oom_control")
				if _, err := os.Stat(p); err == nil {
					return p
				}
			}
		}
		if parts[0] == "0" && parts[1] == "" {
			for _, root := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
				p := filepath.Join(root, parts[2], "memory.events")
				if _, err := os.Stat(p); err == nil {
					v2 = p
					break
				}
			}
		}
	}
	return v2
}

// oomKills reads the oom_kill count of a counter file (0 if unknown).
func oomKills(path string) int {
	if path == "" {
		return 0
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "oom_kill "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
