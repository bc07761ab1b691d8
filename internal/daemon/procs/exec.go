package procs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	containertypes "github.com/moby/moby/api/types/container"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/oci"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/shimclient"
)

// execInstance is one exec: created, then started once.
type execInstance struct {
	ID          string
	ContainerID string
	Cfg         containertypes.ExecCreateRequest

	mu       sync.Mutex
	started  bool
	running  bool
	exitCode *int
	pid      int
	proc     *shimclient.Process
}

type execStore struct {
	mu sync.Mutex
	m  map[string]*execInstance
}

func newExecStore() *execStore { return &execStore{m: map[string]*execInstance{}} }

func (s *execStore) add(e *execInstance) {
	s.mu.Lock()
	s.m[e.ID] = e
	s.mu.Unlock()
}

func (s *execStore) get(id string) (*execInstance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[id]; ok {
		return e, nil
	}
	return nil, errdefs.NotFound(fmt.Errorf("No such exec instance: %s", id))
}

// idsOf returns the execs of a container that have not ended (inspect's
// ExecIDs: dockerd drops an exec from the list when it exits; the exec
// itself stays inspectable).
func (s *execStore) idsOf(containerID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, e := range s.m {
		e.mu.Lock()
		done := e.started && !e.running
		e.mu.Unlock()
		if e.ContainerID == containerID && !done {
			out = append(out, id)
		}
	}
	return out
}

// removeForContainer forgets the execs of a stopped container once their
// status was read (Docker keeps them until the container restarts; berth
// keeps finished ones so `docker exec` can read the exit code).
func (s *execStore) removeForContainer(containerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, e := range s.m {
		e.mu.Lock()
		done := e.started && !e.running
		e.mu.Unlock()
		if e.ContainerID == containerID && done {
			delete(s.m, id)
		}
	}
}

// ExecCreate registers an exec in a running container.
func (s *Service) ExecCreate(ctx context.Context, name string, req containertypes.ExecCreateRequest) (string, error) {
	c, err := s.containers.Get(name)
	if err != nil {
		return "", err
	}
	c.Lock()
	defer c.Unlock()
	if c.State.Status == container.StatusPaused {
		return "", errdefs.Conflict(fmt.Errorf("container %s is paused, unpause the container before exec", c.ID))
	}
	if !c.State.Running() {
		return "", container.ErrNotRunning(c.ID)
	}
	if _, err := parseDetachKeys(req.DetachKeys); err != nil { // dockerd's words
		return "", errdefs.InvalidParameter(fmt.Errorf("Invalid escape keys (%s) provided", req.DetachKeys)) //nolint:staticcheck // dockerd's wording
	}
	e := &execInstance{ID: container.GenerateID(), ContainerID: c.ID, Cfg: req}
	s.execs.add(e)
	s.emit("exec_create: "+joinArgs(req.Cmd), c, map[string]string{"execID": e.ID})
	return e.ID, nil
}

// ExecStart starts an exec; attached, it streams until the process ends.
func (s *Service) ExecStart(ctx context.Context, id string, opts backend.ExecStartOptions) error {
	e, err := s.execs.get(id)
	if err != nil {
		return err
	}
	e.mu.Lock()
	if e.started {
		running := e.running
		e.mu.Unlock()
		if running { // dockerd's words
			return errdefs.Conflict(fmt.Errorf("Error: Exec command %s is already running", e.ID))
		}
		return errdefs.Conflict(fmt.Errorf("Error: Exec command %s has already run", e.ID))
	}
	e.started = true
	e.running = true
	e.mu.Unlock()
	fail := func(err error) error {
		code := container.StartErrorCode(err.Error())
		e.mu.Lock()
		e.running = false
		e.exitCode = &code
		e.mu.Unlock()
		return err
	}
	c, err := s.containers.Get(e.ContainerID)
	if err != nil {
		return fail(err)
	}
	c.Lock()
	running := c.State.Running()
	c.Unlock()
	sh, ok := s.containers.Shim(c)
	if !running || !ok {
		return fail(container.ErrNotRunning(c.ID))
	}
	proc, err := s.execProcess(c, e.Cfg)
	if err != nil {
		return fail(err)
	}
	// A terminal's stdin ends the attach at the detach keys, leaving the
	// process running, as dockerd's copyEscapable (a stdin without a
	// terminal closes the process's when it ends: nothing to detach).
	keys, _ := parseDetachKeys(e.Cfg.DetachKeys) // checked by ExecCreate
	var stdin io.ReadCloser
	var stdout, stderr io.Writer
	if !opts.Detach && opts.Open != nil {
		if stdin, stdout, stderr, err = opts.Open(e.Cfg.Tty); err != nil {
			return fail(err)
		}
	}
	if opts.ConsoleSize != nil && e.Cfg.Tty {
		proc.ConsoleSize = &specs.Box{Height: opts.ConsoleSize[0], Width: opts.ConsoleSize[1]}
	} else if e.Cfg.ConsoleSize != nil && e.Cfg.Tty {
		proc.ConsoleSize = &specs.Box{Height: e.Cfg.ConsoleSize[0], Width: e.Cfg.ConsoleSize[1]}
	}
	p, err := sh.Exec(context.WithoutCancel(ctx), shimclient.ExecConfig{ExecID: e.ID, Process: *proc, OpenStdin: e.Cfg.AttachStdin && stdin != nil})
	if err != nil {
		return fail(err)
	}
	e.mu.Lock()
	e.proc, e.pid = p, p.Pid()
	e.mu.Unlock()
	s.emit("exec_start: "+joinArgs(e.Cfg.Cmd), c, map[string]string{"execID": e.ID})
	finish := func() {
		ex, err := p.Wait(s.cfg.Background)
		code := ex.Code
		if err != nil {
			code = 126
		}
		e.mu.Lock()
		e.running = false
		e.exitCode = &code
		e.mu.Unlock()
		s.emit("exec_die", c, map[string]string{"execID": e.ID, "exitCode": strconv.Itoa(code)})
	}
	if opts.Detach || opts.Open == nil {
		recovery.Go(s.log, "exec "+e.ID, finish, nil)
		return nil
	}
	st := shimclient.Streams{}
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var detached atomic.Bool
	if e.Cfg.AttachStdin {
		st.Stdin = stdin
		if e.Cfg.Tty {
			st.Stdin = &detachReader{r: stdin, keys: keys, onDetach: func() {
				detached.Store(true)
				cancel()
			}}
		}
	}
	if e.Cfg.AttachStdout {
		st.Stdout = stdout
	}
	if e.Cfg.AttachStderr {
		st.Stderr = stderr
	}
	if err := p.Attach(actx, st); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Debug("exec attach", "exec", e.ID, "err", err)
	}
	if detached.Load() {
		s.emit("exec_detach", c, map[string]string{"execID": e.ID})
		recovery.Go(s.log, "exec "+e.ID, finish, nil)
		return nil
	}
	finish()
	return nil
}

// execProcess builds the OCI process of an exec from the container's.
func (s *Service) execProcess(c *container.Container, req containertypes.ExecCreateRequest) (*specs.Process, error) {
	c.Lock()
	cfg := *c.Config
	hc := c.HostConfig
	c.Unlock()
	user := cfg.User
	if req.User != "" {
		user = req.User
	}
	u, err := s.containers.User(c.ID, user, hc.GroupAdd)
	if err != nil {
		return nil, errdefs.InvalidParameter(err)
	}
	cfg.Tty = req.Tty
	env := oci.ReplaceOrAppendEnv(oci.Env(&cfg, u.Home, s.containers.LinkEnv(c)), req.Env)
	caps, err := oci.Capabilities(hc.Privileged || req.Privileged, hc.CapAdd, hc.CapDrop)
	if err != nil {
		return nil, err
	}
	if s.cfg.HostCaps != nil {
		kept := []string{}
		for _, c := range caps {
			if slices.Contains(s.cfg.HostCaps, c) {
				kept = append(kept, c)
			}
		}
		caps = kept
	}
	cwd := cfg.WorkingDir
	if req.WorkingDir != "" {
		cwd = req.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	return &specs.Process{
		Terminal: req.Tty, Args: req.Cmd, Env: env, Cwd: cwd,
		User:         specs.User{UID: u.UID, GID: u.GID, AdditionalGids: u.AdditionalGids},
		Capabilities: &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps},
	}, nil
}

// ExecResize resizes the exec's terminal.
func (s *Service) ExecResize(ctx context.Context, id string, height, width uint) error {
	e, err := s.execs.get(id)
	if err != nil {
		return err
	}
	e.mu.Lock()
	p := e.proc
	e.mu.Unlock()
	if p == nil {
		return errdefs.Conflict(fmt.Errorf("exec %s is not running", id))
	}
	return p.Resize(ctx, height, width)
}

// ExecInspect returns GET /exec/{id}/json.
func (s *Service) ExecInspect(ctx context.Context, id string) (*containertypes.ExecInspectResponse, error) {
	e, err := s.execs.get(id)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var entry string
	var args []string
	if len(e.Cfg.Cmd) > 0 {
		entry, args = e.Cfg.Cmd[0], e.Cfg.Cmd[1:]
	}
	priv := e.Cfg.Privileged
	return &containertypes.ExecInspectResponse{
		ID: e.ID, Running: e.running, ExitCode: e.exitCode, ContainerID: e.ContainerID, Pid: e.pid,
		OpenStdin: e.Cfg.AttachStdin, OpenStdout: e.Cfg.AttachStdout, OpenStderr: e.Cfg.AttachStderr,
		CanRemove: !e.running, DetachKeys: []byte(e.Cfg.DetachKeys),
		ProcessConfig: &containertypes.ExecProcessConfig{Tty: e.Cfg.Tty, Entrypoint: entry, Arguments: args, Privileged: &priv, User: e.Cfg.User},
	}, nil
}

// ExecIDs lists the execs of a container that have not ended (inspect's
// ExecIDs).
func (s *Service) ExecIDs(containerID string) []string { return s.execs.idsOf(containerID) }

// ForgetExecs forgets the ended execs of a container that stopped.
func (s *Service) ForgetExecs(containerID string) { s.execs.removeForContainer(containerID) }
