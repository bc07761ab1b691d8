package runtime

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/runtime/cgroups"
	"github.com/berth/berth/internal/runtime/state"
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
	st, err := state.Load(opts.Root, opts.ID)
	if err != nil {
		return nil, err
	}
	switch s := st.Status(); s {
	case state.Created, state.Running:
	case state.Paused:
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
	// every namespace of the container, joined through its init.
	nss := make([]specs.LinuxNamespace, 0, len(st.Config.Linux.Namespaces))
	for _, ns := range st.Config.Linux.Namespaces {
		nss = append(nss, specs.LinuxNamespace{Type: ns.Type, Path: fmt.Sprintf("/proc/%d/ns/%s", st.Pid, nsProcName(ns.Type))})
	}
	userns := hasNamespace(st.Config, specs.UserNamespace)
	s := &stage{mode: "exec", preserveFds: opts.PreserveFds}
	if p.Terminal {
		s.consoleSocket = opts.ConsoleSocket
	}
	s.joins, s.threadJoins = splitJoins(nss)
	cmd, parent, err := s.start()
	if err != nil {
		return nil, fmt.Errorf("start exec process: %w", err)
	}
	defer parent.Close()
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
		m, err := cgroups.Load(st.Cgroups)
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
