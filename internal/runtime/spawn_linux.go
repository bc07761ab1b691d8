package runtime

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsenterEnv must match package nsenter's EnvVar.
const nsenterEnv = "_BERTH_NSENTER"

// nsJoin is a namespace to enter by path.
type nsJoin struct {
	path string
	flag int
}

// startIn starts cmd from a throw-away locked thread that first enters the
// given per-thread namespaces (pid, network, ipc, uts, cgroup), so that
// the child is born inside them. Without joins it just starts cmd.
func startIn(cmd *exec.Cmd, joins []nsJoin) error {
	if len(joins) == 0 {
		return cmd.Start()
	}
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		// never unlocked: the thread, with its namespaces, dies with this
		// goroutine.
		for _, j := range joins {
			fd, err := unix.Open(j.path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				errc <- fmt.Errorf("open namespace %s: %w", j.path, err)
				return
			}
			err = unix.Setns(fd, j.flag)
			unix.Close(fd)
			if err != nil {
				errc <- fmt.Errorf("join namespace %s: %w", j.path, err)
				return
			}
		}
		errc <- cmd.Start()
	}()
	return <-errc
}

func idMaps(ms []specs.LinuxIDMapping) []syscall.SysProcIDMap {
	out := make([]syscall.SysProcIDMap, len(ms))
	for i, m := range ms {
		out[i] = syscall.SysProcIDMap{ContainerID: int(m.ContainerID), HostID: int(m.HostID), Size: int(m.Size)}
	}
	return out
}

func cgroupsPath(spec *specs.Spec) string {
	if spec.Linux == nil {
		return ""
	}
	return spec.Linux.CgroupsPath
}

func writePidFile(path string, pid int) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("write pid file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write pid file %s: %w", path, err)
	}
	return nil
}

func socketPair() (*os.File, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("create sync socket: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "sync-parent"), os.NewFile(uintptr(fds[1]), "sync-child"), nil
}

// setOOMScoreAdj is written by the runtime, through the host's /proc.
func setOOMScoreAdj(pid int, v *int) error {
	if v == nil {
		return nil
	}
	if err := os.WriteFile("/proc/"+strconv.Itoa(pid)+"/oom_score_adj", []byte(strconv.Itoa(*v)), 0); err != nil {
		return fmt.Errorf("set process.oomScoreAdj to %d: %w", *v, err)
	}
	return nil
}

// warnUnsupported warns about settings berth cannot honour on this host and
// skips: capabilities it does not hold, AppArmor and SELinux labels.
func warnUnsupported(p *specs.Process, spec *specs.Spec) {
	if p.Capabilities != nil {
		got := availableCaps(p.Capabilities)
		var missing []string
		for _, n := range p.Capabilities.Bounding {
			found := false
			for _, g := range got.Bounding {
				if g == n {
					found = true
				}
			}
			if !found {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			Warn(fmt.Sprintf("capabilities not held by berth runtime, not granted: %s", strings.Join(missing, ", ")))
		}
	}
	if p.ApparmorProfile != "" {
		Warn(fmt.Sprintf("process.apparmorProfile %q ignored: berth runtime does not apply AppArmor profiles", p.ApparmorProfile))
	}
	if p.SelinuxLabel != "" || (spec.Linux != nil && spec.Linux.MountLabel != "") {
		Warn("SELinux labels ignored: berth runtime does not apply SELinux labels")
	}
}
