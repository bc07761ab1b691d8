package runtime

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/runtime/cgroups"
	"github.com/berth/berth/internal/runtime/hooks"
	"github.com/berth/berth/internal/runtime/state"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// CreateOpts are the inputs of Create.
type CreateOpts struct {
	Root          string // state root, e.g. /run/berth/runtime
	ID            string
	Bundle        string
	ConsoleSocket string
	PidFile       string
	PreserveFds   int
	NoPivot       bool // chroot after moving the rootfs onto / (rootfs on ramfs)
	NoNewKeyring  bool // keep the caller's session keyring
}

// Create sets up a container from its bundle and leaves its init process
// blocked until Start. It validates the whole configuration first and leaves
// nothing behind when it fails. The returned process is the container init
// (a child of the caller).
func Create(opts CreateOpts) (*state.State, *os.Process, error) {
	if err := state.ValidateID(opts.ID); err != nil {
		return nil, nil, err
	}
	bundle, err := filepath.Abs(opts.Bundle)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve bundle path: %w", err)
	}
	spec, err := LoadSpec(bundle)
	if err != nil {
		return nil, nil, err
	}
	if spec.Process.Terminal && opts.ConsoleSocket == "" {
		return nil, nil, errdefs.InvalidParameter(errors.New("process.terminal is set in config.json but no --console-socket was given"))
	}
	if !spec.Process.Terminal && opts.ConsoleSocket != "" {
		return nil, nil, errdefs.InvalidParameter(errors.New("--console-socket was given but process.terminal is false in config.json"))
	}
	if err := os.MkdirAll(opts.Root, 0o711); err != nil {
		return nil, nil, fmt.Errorf("create state root %s: %w", opts.Root, err)
	}
	dir := state.Dir(opts.Root, opts.ID)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, nil, errdefs.Conflict(fmt.Errorf("container with id %s already exists", opts.ID))
		}
		return nil, nil, fmt.Errorf("create state directory: %w", err)
	}
	warnUnsupported(spec.Process, spec)
	c := &creation{opts: opts, spec: spec, bundle: bundle, dir: dir}
	st, proc, err := c.run()
	if err != nil {
		c.cleanup()
		return nil, nil, err
	}
	return st, proc, nil
}

type creation struct {
	opts   CreateOpts
	spec   *specs.Spec
	bundle string
	dir    string
	cg     cgroups.Manager
	proc   *os.Process
}

func (c *creation) cleanup() {
	if c.proc != nil {
		_ = c.proc.Kill()
		_, _ = c.proc.Wait()
	}
	if c.cg != nil {
		_ = c.cg.Kill(unix.SIGKILL)
		_ = c.cg.Destroy()
	}
	if !hasNamespace(c.spec, specs.MountNamespace) {
		unmountUnder(RootfsPath(c.spec, c.bundle))
	}
	_ = os.RemoveAll(c.dir)
}

func (c *creation) run() (*state.State, *os.Process, error) {
	spec := c.spec
	rootfs := RootfsPath(spec, c.bundle)
	if real, err := filepath.EvalSymlinks(rootfs); err == nil {
		rootfs = real
	}
	fifo, err := makeFifo(c.dir)
	if err != nil {
		return nil, nil, err
	}
	defer fifo.Close()
	cg, err := cgroups.New(cgroupsPath(spec), c.opts.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("set up cgroup: %w", err)
	}
	c.cg = cg
	s, cfg := c.newStage(fifo, rootfs)
	cmd, parent, err := s.start()
	if err != nil {
		return nil, nil, fmt.Errorf("start container init: %w", err)
	}
	defer parent.Close()
	c.proc = cmd.Process
	pid := cmd.Process.Pid
	cfg.State = specs.State{Version: specs.Version, ID: c.opts.ID, Status: state.Creating, Pid: pid, Bundle: c.bundle, Annotations: spec.Annotations}
	if err := c.setUp(parent, cfg); err != nil {
		return nil, nil, err
	}
	st := &state.State{
		ID: c.opts.ID, Bundle: c.bundle, Rootfs: rootfs, Pid: pid,
		Created: time.Now().UTC(), Annotations: spec.Annotations,
		Cgroups: cg.Paths(), Config: spec,
	}
	stt, _, err := state.StartTime(pid)
	if err != nil {
		return nil, nil, fmt.Errorf("read start time of container init: %w", err)
	}
	st.StartTime = stt
	if err := st.Save(c.opts.Root); err != nil {
		return nil, nil, err
	}
	if c.opts.PidFile != "" {
		if err := writePidFile(c.opts.PidFile, pid); err != nil {
			return nil, nil, err
		}
	}
	return st, cmd.Process, nil
}

// makeFifo creates exec.fifo in dir and returns an O_PATH handle on it for
// the container init.
func makeFifo(dir string) (*os.File, error) {
	path := filepath.Join(dir, state.FifoName)
	if err := unix.Mkfifo(path, 0o622); err != nil {
		return nil, fmt.Errorf("create exec fifo: %w", err)
	}
	// writable by the container's root even when it is mapped (umask aside).
	if err := os.Chmod(path, 0o622); err != nil {
		return nil, fmt.Errorf("chmod exec fifo: %w", err)
	}
	fifo, err := os.OpenFile(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open exec fifo: %w", err)
	}
	return fifo, nil
}

// newStage describes the container init's spawn (new namespaces from
// clone flags, joined ones by path, the id mappings of a new user
// namespace) and the config it will be sent, but for its OCI state.
func (c *creation) newStage(fifo *os.File, rootfs string) (*stage, *initConfig) {
	spec := c.spec
	var cloneFlags uintptr
	var joined []specs.LinuxNamespace
	for _, ns := range spec.Linux.Namespaces {
		if ns.Path == "" {
			cloneFlags |= nsFlags[ns.Type]
		} else {
			joined = append(joined, ns)
		}
	}
	cfg := &initConfig{
		Spec: spec, Process: spec.Process, Rootfs: rootfs, Userns: hasNamespace(spec, specs.UserNamespace),
		Cgroupns: cloneFlags&unix.CLONE_NEWCGROUP != 0, Timens: cloneFlags&unix.CLONE_NEWTIME != 0,
		NoPivot: c.opts.NoPivot, NoNewKeyring: c.opts.NoNewKeyring,
		Hooks: spec.Hooks != nil && (len(spec.Hooks.Prestart) > 0 || len(spec.Hooks.CreateRuntime) > 0),
	}
	// CLONE_NEWTIME does not fit clone(2)'s flags: the init unshares it.
	cloneFlags &^= unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME
	s := &stage{mode: "init", preserveFds: c.opts.PreserveFds, fifo: fifo, consoleSocket: c.opts.ConsoleSocket,
		attr: &syscall.SysProcAttr{Cloneflags: cloneFlags}}
	s.joins, s.threadJoins = splitJoins(joined)
	if cloneFlags&unix.CLONE_NEWUSER != 0 {
		s.attr.UidMappings = idMaps(spec.Linux.UIDMappings)
		s.attr.GidMappings = idMaps(spec.Linux.GIDMappings)
		s.attr.GidMappingsEnableSetgroups = true
		// become root of the new namespace before execve, or the re-executed
		// init would start without capabilities there.
		s.attr.Credential = &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true}
	}
	return s, cfg
}

// setUp places the started init (oom score, cgroup and its limits), sends
// it cfg and serves it over the sync socket until it reports ready.
func (c *creation) setUp(parent *os.File, cfg *initConfig) error {
	spec, cg, pid := c.spec, c.cg, c.proc.Pid
	enc := json.NewEncoder(parent)
	dec := json.NewDecoder(bufio.NewReader(parent))
	// a child that died early (nsenter) explains why better than we can.
	died := func(err error) error {
		_ = c.proc.Kill()
		return childError(dec, err)
	}
	if err := setOOMScoreAdj(pid, spec.Process.OOMScoreAdj); err != nil {
		return died(err)
	}
	if err := cg.Apply(pid); err != nil {
		return died(fmt.Errorf("join cgroup: %w", err))
	}
	// The pids limit is set once init reports ready, as runc does: init is
	// a Go program that starts threads while it sets up, and a small limit
	// (--pids-limit 5) would make that fail before the container runs.
	var pidsLimit *specs.LinuxPids
	if spec.Linux.Resources != nil {
		r := *spec.Linux.Resources
		pidsLimit, r.Pids = r.Pids, nil
		if err := cg.Set(&r); err != nil {
			return died(fmt.Errorf("set cgroup resources: %w", err))
		}
	}
	if err := enc.Encode(cfg); err != nil {
		return childError(dec, fmt.Errorf("send config to container init: %w", err))
	}
	if err := c.awaitReady(enc, dec, cfg.State); err != nil {
		return err
	}
	if pidsLimit != nil {
		if err := cg.Set(&specs.LinuxResources{Pids: pidsLimit}); err != nil {
			_ = c.proc.Kill()
			return fmt.Errorf("set cgroup resources: %w", err)
		}
	}
	return nil
}

// awaitReady reads the init's messages until "ready", running the
// prestart and createRuntime hooks when the init stops for them.
func (c *creation) awaitReady(enc *json.Encoder, dec *json.Decoder, ociState specs.State) error {
	for {
		var m syncMsg
		if err := dec.Decode(&m); err != nil {
			return fmt.Errorf("container init exited during set-up")
		}
		switch m.Type {
		case "error":
			return errors.New(m.Msg)
		case "hooks":
			h := c.spec.Hooks
			err := hooks.Run("prestart", h.Prestart, ociState)
			if err == nil {
				err = hooks.Run("createRuntime", h.CreateRuntime, ociState)
			}
			if err != nil {
				return err
			}
			if err := enc.Encode(syncMsg{Type: "hooks-done"}); err != nil {
				return fmt.Errorf("resume container init: %w", err)
			}
		case "ready":
			return nil
		default:
			return fmt.Errorf("unexpected message %q from container init", m.Type)
		}
	}
}

// childError prefers the error message a dying child left on the sync
// socket (the nsenter constructor reports there) over err.
func childError(dec *json.Decoder, err error) error {
	var m syncMsg
	if dec.Decode(&m) == nil && m.Type == "error" {
		return errors.New(m.Msg)
	}
	return err
}
