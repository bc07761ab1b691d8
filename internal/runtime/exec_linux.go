package runtime

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/berth/berth/internal/errdefs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ExecOpts are the inputs of Exec.
type ExecOpts struct {
	Root          string
	ID            string
	Process       *specs.Process
	ConsoleSocket string
	PidFile       string
	PreserveFds   int
}

// Exec starts an additional process inside a created or running container
// and returns it (a child of the caller).
func Exec(opts ExecOpts) (*os.Process, error) {
	st, err := LoadState(opts.Root, opts.ID)
	if err != nil {
		return nil, err
	}
	switch s := st.Status(); s {
	case StatusCreated, StatusRunning:
	case StatusPaused:
		return nil, errdefs.Conflict(fmt.Errorf("cannot exec in a paused container"))
	default:
		return nil, errdefs.Conflict(fmt.Errorf("cannot exec in a stopped container"))
	}
	p := opts.Process
	if err := ValidateProcess(p); err != nil {
		return nil, err
	}
	if p.Terminal && opts.ConsoleSocket == "" {
		return nil, errdefs.InvalidParameter(errors.New("a terminal was asked for but no --console-socket was given"))
	}
	var joins []string
	var threadJoins []nsJoin
	userns := false
	for _, ns := range st.Config.Linux.Namespaces {
		path := fmt.Sprintf("/proc/%d/ns/%s", st.Pid, nsProcName(ns.Type))
		switch ns.Type {
		case specs.PIDNamespace, specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.CgroupNamespace:
			// entered with the runtime's privileges before fork: they may
			// be owned by another user namespace than the container's.
			threadJoins = append(threadJoins, nsJoin{path, int(nsFlags[ns.Type])})
			continue
		case specs.UserNamespace:
			userns = true
		}
		joins = append(joins, string(ns.Type)+"="+path)
	}
	exe, err := sealedSelf()
	if err != nil {
		return nil, err
	}
	defer exe.Close()
	parent, child, err := socketPair()
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	defer child.Close()
	extra := make([]*os.File, 0, opts.PreserveFds+3)
	for i := 0; i < opts.PreserveFds; i++ {
		extra = append(extra, os.NewFile(uintptr(3+i), "preserved-"+strconv.Itoa(i)))
	}
	env := []string{
		envInit + "=exec",
		envPreserve + "=" + strconv.Itoa(opts.PreserveFds),
		envSyncFd + "=" + strconv.Itoa(3+len(extra)),
	}
	extra = append(extra, child)
	if opts.ConsoleSocket != "" && p.Terminal {
		conn, err := net.Dial("unix", opts.ConsoleSocket)
		if err != nil {
			return nil, fmt.Errorf("connect to console socket %s: %w", opts.ConsoleSocket, err)
		}
		cf, err := conn.(*net.UnixConn).File()
		conn.Close()
		if err != nil {
			return nil, fmt.Errorf("get console socket fd: %w", err)
		}
		defer cf.Close()
		env = append(env, envConsole+"="+strconv.Itoa(3+len(extra)))
		extra = append(extra, cf)
	}
	exeFd := 3 + len(extra)
	extra = append(extra, exe)
	if len(joins) > 0 {
		env = append(env, nsenterEnv+"="+strings.Join(joins, ","))
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/fd/" + strconv.Itoa(exeFd),
		Args:       []string{"berth", "runtime", "exec-init"},
		Env:        env,
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		ExtraFiles: extra,
	}
	if err := startIn(cmd, threadJoins); err != nil {
		return nil, fmt.Errorf("start exec process: %w", err)
	}
	child.Close()
	proc := cmd.Process
	fail := func(err error) (*os.Process, error) {
		_ = proc.Kill()
		_, _ = proc.Wait()
		return nil, err
	}
	if err := setOOMScoreAdj(proc.Pid, p.OOMScoreAdj); err != nil {
		return fail(err)
	}
	if len(st.Cgroups) > 0 {
		m, err := loadCgroup(st.Cgroups)
		if err != nil {
			return fail(fmt.Errorf("open cgroup of %s: %w", opts.ID, err))
		}
		if err := m.Apply(proc.Pid); err != nil {
			return fail(fmt.Errorf("join cgroup of %s: %w", opts.ID, err))
		}
	}
	cfg := initConfig{Spec: st.Config, Process: p, Rootfs: "/", Userns: userns}
	dec := json.NewDecoder(bufio.NewReader(parent))
	if err := json.NewEncoder(parent).Encode(&cfg); err != nil {
		return fail(childError(dec, fmt.Errorf("send config to exec process: %w", err)))
	}
	// Success is the socket closing on execve; failure is a message.
	var m syncMsg
	if err := dec.Decode(&m); err == nil {
		if m.Type == "error" {
			return fail(errors.New(m.Msg))
		}
		return fail(fmt.Errorf("unexpected message %q from exec process", m.Type))
	}
	if opts.PidFile != "" {
		if err := writePidFile(opts.PidFile, proc.Pid); err != nil {
			return fail(err)
		}
	}
	return proc, nil
}

func nsProcName(t specs.LinuxNamespaceType) string {
	switch t {
	case specs.NetworkNamespace:
		return "net"
	case specs.MountNamespace:
		return "mnt"
	}
	return string(t)
}
