package runtime

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/berth/berth/internal/runtime/caps"
	"github.com/berth/berth/internal/runtime/nsenter"
	"github.com/berth/berth/internal/runtime/selfexe"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// nsJoin is a namespace to enter by path.
type nsJoin struct {
	path string
	flag int
}

// stage is a runtime init stage to start: the container init of Create
// (mode "init") or the process of Exec (mode "exec").
type stage struct {
	mode          string
	preserveFds   int
	fifo          *os.File // O_PATH handle on exec.fifo (container init only)
	consoleSocket string   // "" without a terminal
	joins         []string // TYPE=PATH, joined by the nsenter constructor
	threadJoins   []nsJoin // joined by the forking thread, before clone
	attr          *syscall.SysProcAttr
}

// start re-executes the running binary, from its sealed handle, as the
// init stage: stdio and the preserved fds are passed on, then the child's
// end of the sync socket, the exec fifo and the console socket, each named
// in the environment. It returns the started command and the runtime's end
// of the sync socket.
func (s *stage) start() (*exec.Cmd, *os.File, error) {
	exe, err := selfexe.Sealed()
	if err != nil {
		return nil, nil, err
	}
	defer exe.Close()
	parent, child, err := socketPair()
	if err != nil {
		return nil, nil, err
	}
	defer child.Close()
	extra := make([]*os.File, 0, s.preserveFds+4)
	for i := 0; i < s.preserveFds; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), "preserved-"+strconv.Itoa(i)))
	}
	env := []string{envInit + "=" + s.mode, envPreserve + "=" + strconv.Itoa(s.preserveFds)}
	pass := func(name string, f *os.File) {
		env = append(env, name+"="+strconv.Itoa(3+len(extra)))
		extra = append(extra, f)
	}
	pass(envSyncFd, child)
	if s.fifo != nil {
		pass(envFifoFd, s.fifo)
	}
	if s.consoleSocket != "" {
		cf, err := dialConsole(s.consoleSocket)
		if err != nil {
			parent.Close()
			return nil, nil, err
		}
		defer cf.Close()
		pass(envConsole, cf)
	}
	exeFd := 3 + len(extra)
	extra = append(extra, exe)
	if len(s.joins) > 0 {
		env = append(env, nsenter.EnvVar+"="+strings.Join(s.joins, ","))
	}
	verb := "init"
	if s.mode == "exec" {
		verb = "exec-init"
	}
	cmd := &exec.Cmd{
		Path: "/proc/self/fd/" + strconv.Itoa(exeFd), Args: []string{"berth", "runtime", verb},
		Env: env, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		ExtraFiles: extra, SysProcAttr: s.attr,
	}
	if err := startIn(cmd, s.threadJoins); err != nil {
		parent.Close()
		return nil, nil, err
	}
	return cmd, parent, nil
}

// dialConsole connects to the caller's console socket and returns the
// connection as a file to pass on.
func dialConsole(path string) (*os.File, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("connect to console socket %s: %w", path, err)
	}
	defer conn.Close()
	cf, err := conn.(*net.UnixConn).File()
	if err != nil {
		return nil, fmt.Errorf("get console socket fd: %w", err)
	}
	return cf, nil
}

// splitJoins sorts namespaces to join by path: the per-thread ones (pid,
// network, ipc, uts, cgroup) are entered by the forking thread before
// clone, with the runtime's privileges, so that a new user namespace can
// sit on top of them, as runc does; the others (user, mount, time) by the
// nsenter constructor in the child.
func splitJoins(nss []specs.LinuxNamespace) (joins []string, threadJoins []nsJoin) {
	for _, ns := range nss {
		switch ns.Type {
		case specs.PIDNamespace, specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.CgroupNamespace:
			threadJoins = append(threadJoins, nsJoin{ns.Path, int(nsFlags[ns.Type])})
		default:
			joins = append(joins, string(ns.Type)+"="+ns.Path)
		}
	}
	return joins, threadJoins
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
		got := caps.Available(p.Capabilities)
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
