package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/cgroups"
	_ "github.com/opencontainers/cgroups/devices" // device rules: v1 files, v2 eBPF
	"github.com/opencontainers/cgroups/fs"
	"github.com/opencontainers/cgroups/fs2"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// New returns the manager of the cgroup cgroupsPath (linux.cgroupsPath of
// config.json) for container containerID, detecting the host's cgroup
// layout. An empty cgroupsPath means "/berth/<containerID>". An absolute
// path is taken from the root of each hierarchy, a relative one from the
// cgroup the calling process is in. Systemd "slice:prefix:name" paths are
// refused. Nothing is created until Apply.
func New(cgroupsPath string, containerID string) (Manager, error) {
	inner, abs, err := innerPath(cgroupsPath, containerID)
	if err != nil {
		return nil, err
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read cgroup mounts: %w", err)
	}
	hs, err := parseHierarchies(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	own := map[string]string{}
	if !abs {
		if own, err = cgroups.ParseCgroupFile("/proc/self/cgroup"); err != nil {
			return nil, fmt.Errorf("read own cgroup: %w", err)
		}
	}
	unified := cgroups.IsCgroup2UnifiedMode()
	paths, err := computePaths(hs, own, inner, abs, unified)
	if err != nil {
		return nil, fmt.Errorf("compute cgroup paths for %s: %w", inner, err)
	}
	return open(paths, unified)
}

// Load re-opens a cgroup from the Paths() of a manager made by New, in a
// later process.
func Load(paths map[string]string) (Manager, error) {
	if len(paths) == 0 {
		return nil, errors.New("load cgroup: no paths")
	}
	for k, p := range paths {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			return nil, fmt.Errorf("load cgroup: %q path %q is not a clean absolute path", k, p)
		}
	}
	unified := cgroups.IsCgroup2UnifiedMode()
	if unified && (len(paths) != 1 || paths[""] == "") {
		return nil, fmt.Errorf("load cgroup: this host is cgroup v2 but the saved paths are %v", paths)
	}
	if !unified && paths["devices"] == "" {
		return nil, fmt.Errorf("load cgroup: this host is cgroup v1 but the saved paths are %v", paths)
	}
	cp := make(map[string]string, len(paths))
	for k, v := range paths {
		cp[k] = v
	}
	return open(cp, unified)
}

// manager wraps opencontainers/cgroups' fs (v1) or fs2 (v2) manager.
type manager struct {
	v2    bool
	paths map[string]string
	cg    *cgroups.Cgroup
	inner cgroups.Manager
}

func open(paths map[string]string, unified bool) (*manager, error) {
	// Resources must be set at creation: v1 Apply reads them (cpuset,
	// devices) and v2 Freeze needs them non-nil.
	cg := &cgroups.Cgroup{Resources: &cgroups.Resources{}}
	m := &manager{v2: unified, paths: paths, cg: cg}
	var err error
	if unified {
		m.inner, err = fs2.NewManager(cg, paths[""])
	} else {
		fsPaths := make(map[string]string, len(paths))
		for k, v := range paths {
			fsPaths[k] = v
		}
		m.inner, err = fs.NewManager(cg, fsPaths)
	}
	if err != nil {
		return nil, fmt.Errorf("open cgroup manager: %w", err)
	}
	return m, nil
}

func (m *manager) where() string {
	if p := m.paths[""]; m.v2 {
		return p
	}
	return m.paths["devices"]
}

func (m *manager) Apply(pid int) error {
	if err := m.inner.Apply(pid); err != nil {
		return fmt.Errorf("create cgroup %s and add pid %d: %w", m.where(), pid, err)
	}
	return nil
}

func (m *manager) Set(r *specs.LinuxResources) error {
	res, err := toResources(r, m.v2)
	if err != nil {
		return err
	}
	if err := m.checkFiles(res); err != nil {
		return err
	}
	if err := m.inner.Set(res); err != nil {
		return fmt.Errorf("set cgroup limits of %s: %w", m.where(), err)
	}
	return nil
}

// checkFiles turns silently missing control files into errors naming them:
// a limit that is asked for must be applied or refused, never dropped. The
// one exception is an unlimited swap (-1) on a host without swap
// accounting, which is what such a host gives anyway.
func (m *manager) checkFiles(res *cgroups.Resources) error {
	need := func(field, dir string, files ...string) error {
		if dir == "" {
			return fmt.Errorf("linux.resources.%s: the cgroup controller is not mounted on this host", field)
		}
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
				return nil
			}
		}
		return fmt.Errorf("linux.resources.%s: %s does not exist on this host", field, filepath.Join(dir, files[0]))
	}
	weight := res.BlkioWeight != 0 || len(res.BlkioWeightDevice) > 0
	throttle := len(res.BlkioThrottleReadBpsDevice)+len(res.BlkioThrottleWriteBpsDevice)+
		len(res.BlkioThrottleReadIOPSDevice)+len(res.BlkioThrottleWriteIOPSDevice) > 0
	swap := func(dir, file string) error {
		if res.MemorySwap == 0 || dir == "" {
			return nil
		}
		if _, err := os.Stat(filepath.Join(dir, file)); err == nil {
			return nil
		}
		if res.MemorySwap == -1 {
			res.MemorySwap = 0
			return nil
		}
		return fmt.Errorf("linux.resources.memory.swap: %s does not exist on this host (no swap accounting)", filepath.Join(dir, file))
	}
	if m.v2 {
		dir := m.paths[""]
		if err := swap(dir, "memory.swap.max"); err != nil {
			return err
		}
		if weight {
			if err := need("blockIO.weight", dir, "io.weight", "io.bfq.weight"); err != nil {
				return err
			}
		}
		if throttle {
			if err := need("blockIO.throttle", dir, "io.max"); err != nil {
				return err
			}
		}
		if len(res.HugetlbLimit) > 0 {
			if err := need("hugepageLimits", dir, "hugetlb."+res.HugetlbLimit[0].Pagesize+".max"); err != nil {
				return err
			}
		}
		return nil
	}
	if err := swap(m.paths["memory"], "memory.memsw.limit_in_bytes"); err != nil {
		return err
	}
	dir := m.paths["blkio"]
	if weight {
		if err := need("blockIO.weight", dir, "blkio.weight", "blkio.bfq.weight"); err != nil {
			return err
		}
	}
	if res.BlkioLeafWeight != 0 {
		if err := need("blockIO.leafWeight", dir, "blkio.leaf_weight"); err != nil {
			return err
		}
	}
	if throttle {
		if err := need("blockIO.throttle", dir, "blkio.throttle.read_bps_device"); err != nil {
			return err
		}
	}
	if len(res.HugetlbLimit) > 0 {
		if err := need("hugepageLimits", m.paths["hugetlb"], "hugetlb."+res.HugetlbLimit[0].Pagesize+".limit_in_bytes"); err != nil {
			return err
		}
	}
	if res.NetClsClassid != 0 && m.paths["net_cls"] == "" {
		return errors.New("linux.resources.network.classID: the net_cls controller is not mounted on this host")
	}
	if len(res.NetPrioIfpriomap) > 0 && m.paths["net_prio"] == "" {
		return errors.New("linux.resources.network.priorities: the net_prio controller is not mounted on this host")
	}
	return nil
}

func (m *manager) Freeze() error {
	if err := m.inner.Freeze(cgroups.Frozen); err != nil {
		return fmt.Errorf("freeze cgroup %s: %w", m.where(), err)
	}
	return nil
}

func (m *manager) Thaw() error {
	if err := m.inner.Freeze(cgroups.Thawed); err != nil {
		return fmt.Errorf("thaw cgroup %s: %w", m.where(), err)
	}
	return nil
}

func (m *manager) State() (string, error) {
	st, err := m.inner.GetFreezerState()
	if err != nil {
		return "", fmt.Errorf("read freezer state of %s: %w", m.where(), err)
	}
	if st == cgroups.Frozen {
		return Frozen, nil
	}
	return Thawed, nil
}

func (m *manager) Pids() ([]int, error) {
	pids, err := m.inner.GetAllPids()
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // no cgroup, no process
	}
	if err != nil {
		return nil, fmt.Errorf("list processes of cgroup %s: %w", m.where(), err)
	}
	return pids, nil
}

func (m *manager) Destroy() error {
	if err := m.inner.Destroy(); err != nil {
		return fmt.Errorf("remove cgroup %s: %w", m.where(), err)
	}
	return nil
}

func (m *manager) Paths() map[string]string {
	out := make(map[string]string, len(m.paths))
	for k, v := range m.paths {
		out[k] = v
	}
	return out
}

func (m *manager) OOMKillCount() (uint64, error) {
	n, err := m.inner.OOMKillCount()
	if err != nil {
		return 0, fmt.Errorf("read OOM kill count of %s: %w", m.where(), err)
	}
	return n, nil
}

// Stats is opencontainers/cgroups' statistics record, JSON-ready in the
// shape runc's events use.
type Stats = cgroups.Stats

func (m *manager) Stats() (*Stats, error) {
	st, err := m.inner.GetStats()
	if err != nil {
		return nil, fmt.Errorf("read statistics of cgroup %s: %w", m.where(), err)
	}
	return st, nil
}
