package shimclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/berth/berth/internal/errdefs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ErrNotImplemented was returned by the placeholder bodies; kept so that
// code written against the placeholder still builds. Nothing returns it.
var ErrNotImplemented = errors.New("shim: not implemented")

// Config tells Start how to run one container.
type Config struct {
	ID          string   // container id
	Bundle      string   // OCI bundle dir (config.json + rootfs)
	StateDir    string   // private dir of this container: socket, pid, exit status
	MonitorDir  string   // the monitor's dir (socket, lock, log), shared by containers; "" means StateDir's parent
	Runtime     []string // runtime argv prefix, e.g. {"/usr/local/bin/berth","runtime","--root","/run/berth/runtime"} or {"runc","--root",...}
	LogPath     string   // json-file log (Docker's on-disk format) when Log is empty; "" = no log
	LogMaxSize  int64    // its rotation: rotate at this size in bytes; 0 = never
	LogMaxFiles int      // files kept when rotating
	// Log, when set, is the container's log driver and its resolved
	// options (a logger.Config); the monitor then ignores LogPath,
	// LogMaxSize and LogMaxFiles, which are for monitors older than Log.
	Log       json.RawMessage `json:",omitempty"`
	Terminal  bool            // process.terminal: the shim receives the pty master via --console-socket
	OpenStdin bool            // keep a stdin pipe open for attach (docker run -i)
	StdinOnce bool            // close the container's stdin when the first attached client detaches

	// Binary is the berth binary run as `berth shim monitor` when no
	// monitor runs; "" means os.Executable(). Tests point it at a freshly
	// built binary.
	Binary string `json:",omitempty"`

	// RunOnCreate makes the shim run the container at once with
	// `<runtime> run --detach` instead of `create` + `start`: one runtime
	// process fewer on the way to a running container (the daemon always
	// starts what it gives a shim). Output is held, and the exit not
	// reported, until Start, which then only releases them, so attached
	// clients miss nothing.
	RunOnCreate bool `json:",omitempty"`
}

// Streams are the client side of an attach. Nil members are not attached.
type Streams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer // ignored with a terminal (stdout carries both)

	// Ready, if set, is called once the shim has registered the attach: all
	// output produced from then on reaches it. Start the container only after
	// Ready (docker run -a) so that no early output is missed. Output of an
	// exec is held by the shim until its first attach, so execs need no care.
	Ready func()
}

// Exit is the recorded end of a process.
type Exit struct {
	Code      int
	Signal    syscall.Signal // non-zero when killed by a signal (Code is then 128+signal)
	OOMKilled bool
	ExitedAt  time.Time
}

// ExecConfig describes one `exec` in a running container.
type ExecConfig struct {
	ExecID    string
	Process   specs.Process
	OpenStdin bool
}

// Shim is the handle of one running monitor.
type Shim struct {
	StateDir string

	id   string
	cfg  Config // as recorded in the state dir
	pid  int
	conn *conn
	dead *Exit // set by Connect when the shim is gone but recorded an exit
}

// Process is an exec'd process, monitored by the container's shim.
type Process struct {
	ExecID string

	shim *Shim
	pid  int
}

// Start launches `berth shim` for cfg, which creates the container with the
// runtime (not started yet) and returns once it is created. A runtime failure
// is returned with the runtime's own message (e.g. `exec: "x": executable file
// not found in $PATH`); the state dir is then removed.
func Start(ctx context.Context, cfg Config) (*Shim, error) { return start(ctx, cfg) }

// Connect reconnects to the shim whose state dir is stateDir. When the shim is
// gone but recorded the container's exit, the handle still answers Wait and
// Delete. A state dir with neither is a not-found error.
func Connect(ctx context.Context, stateDir string) (*Shim, error) { return connect(ctx, stateDir) }

// Start starts the created container's process.
func (s *Shim) Start(ctx context.Context) error {
	var st State
	if err := s.call(ctx, "POST", "/start", nil, nil, &st); err != nil {
		return err
	}
	s.pid = st.Pid
	return nil
}

// Pid returns the container's init pid on the host.
func (s *Shim) Pid() int { return s.pid }

// ID returns the container id.
func (s *Shim) ID() string { return s.id }

// State asks the shim for the container's state.
func (s *Shim) State(ctx context.Context) (State, error) {
	if s.dead != nil {
		return State{ID: s.id, Pid: s.pid, Status: StatusStopped, Exit: s.dead}, nil
	}
	var st State
	err := s.call(ctx, "GET", "/state", nil, nil, &st)
	return st, err
}

// Attach copies the container's stdio to and from st until ctx ends or the
// container's output ends (it exited). It returns nil at the end of output.
func (s *Shim) Attach(ctx context.Context, st Streams) error { return s.attach(ctx, "", st) }

// Resize sets the terminal size of the container's pty.
func (s *Shim) Resize(ctx context.Context, height, width uint) error {
	return s.call(ctx, "POST", "/resize", url.Values{"h": {strconv.FormatUint(uint64(height), 10)}, "w": {strconv.FormatUint(uint64(width), 10)}}, nil, nil)
}

// ReopenLog has the monitor open the container's log file again at its
// path (after it was renamed).
func (s *Shim) ReopenLog(ctx context.Context) error {
	return s.call(ctx, "POST", "/reopen-log", nil, nil, nil)
}

// Kill sends sig to the container's init process.
func (s *Shim) Kill(ctx context.Context, sig syscall.Signal) error {
	return s.call(ctx, "POST", "/kill", url.Values{"sig": {strconv.Itoa(int(sig))}}, nil, nil)
}

// KillAll sends sig to every process of the container (runtime kill --all).
func (s *Shim) KillAll(ctx context.Context, sig syscall.Signal) error {
	return s.call(ctx, "POST", "/kill", url.Values{"sig": {strconv.Itoa(int(sig))}, "all": {"1"}}, nil, nil)
}

// Wait blocks until the container's init exits and returns its exit status.
// Its output is fully written to the log when Wait returns.
func (s *Shim) Wait(ctx context.Context) (Exit, error) {
	type result struct {
		e   Exit
		err error
	}
	ch := make(chan result, 1)
	s.Notify(ctx, func(e Exit, err error) { ch <- result{e, err} })
	r := <-ch
	return r.e, r.err
}

// Notify calls f once, in a goroutine of its own, with what Wait would
// return; until then nothing waits for it (no goroutine, no connection:
// the exits of all containers of a monitor come over one subscription).
// f gets ctx's error if ctx ends first.
func (s *Shim) Notify(ctx context.Context, f func(Exit, error)) {
	if s.dead != nil {
		go f(*s.dead, nil)
		return
	}
	if s.cfg.MonitorDir == "" { // a per-container shim's state dir (a berth before the monitor)
		go func() { f(s.settle(s.httpWait(ctx))) }()
		return
	}
	// Registering asks the monitor for the state: off the caller's path.
	go s.notify(ctx, func(e Exit, err error) {
		if errors.Is(err, errNoEvents) {
			e, err = s.httpWait(ctx)
		}
		if errors.Is(err, errMonitorGone) {
			// A subscription to a monitor that died, taken just before
			// it was noticed: if a live monitor serves the container
			// (a new one, after the old one was killed), wait again.
			if st, serr := s.State(ctx); serr == nil && st.Exit == nil {
				s.Notify(ctx, f)
				return
			}
		}
		f(s.settle(e, err))
	})
}

// httpWait is the wait of the wire protocol: a request that lasts until the
// exit.
func (s *Shim) httpWait(ctx context.Context) (Exit, error) {
	var e Exit
	err := s.call(ctx, "GET", "/wait", nil, nil, &e)
	return e, err
}

// settle answers a wait the monitor could not: it may have recorded the
// exit before it died.
func (s *Shim) settle(e Exit, err error) (Exit, error) {
	if err != nil && errors.Is(err, errdefs.ErrUnavailable) {
		if x, rerr := readExit(s.StateDir); rerr == nil {
			return x, nil
		}
	}
	return e, err
}

// Pause freezes the container; Resume thaws it.
func (s *Shim) Pause(ctx context.Context) error { return s.call(ctx, "POST", "/pause", nil, nil, nil) }

// Resume thaws a paused container.
func (s *Shim) Resume(ctx context.Context) error {
	return s.call(ctx, "POST", "/resume", nil, nil, nil)
}

// Exec starts a process in the running container. A runtime failure is
// returned with the runtime's own message.
func (s *Shim) Exec(ctx context.Context, cfg ExecConfig) (*Process, error) {
	var st ExecState
	if err := s.call(ctx, "POST", "/exec", nil, cfg, &st); err != nil {
		return nil, err
	}
	return &Process{ExecID: cfg.ExecID, shim: s, pid: st.Pid}, nil
}

// Delete deletes the container from the runtime; the shim exits and its state
// dir is removed. The container must have exited (Wait) unless force is used
// through DeleteForce.
func (s *Shim) Delete(ctx context.Context) error { return s.delete(ctx, false) }

// DeleteForce is Delete that first kills a running container.
func (s *Shim) DeleteForce(ctx context.Context) error { return s.delete(ctx, true) }

// Close releases the handle. The shim keeps running; idle connections to
// it close by themselves after two seconds.
func (s *Shim) Close() error { return nil }

// Attach, Resize, Kill, Wait and Pid of an exec'd process behave as the
// container's.
func (p *Process) Attach(ctx context.Context, st Streams) error {
	return p.shim.attach(ctx, p.ExecID, st)
}

// Resize sets the terminal size of the exec's pty.
func (p *Process) Resize(ctx context.Context, height, width uint) error {
	return p.shim.call(ctx, "POST", "/resize", url.Values{"exec": {p.ExecID}, "h": {strconv.FormatUint(uint64(height), 10)}, "w": {strconv.FormatUint(uint64(width), 10)}}, nil, nil)
}

// Kill sends sig to the exec'd process.
func (p *Process) Kill(ctx context.Context, sig syscall.Signal) error {
	return p.shim.call(ctx, "POST", "/kill", url.Values{"exec": {p.ExecID}, "sig": {strconv.Itoa(int(sig))}}, nil, nil)
}

// Wait blocks until the exec'd process exits and its output is drained.
func (p *Process) Wait(ctx context.Context) (Exit, error) {
	var e Exit
	err := p.shim.call(ctx, "GET", "/wait", url.Values{"exec": {p.ExecID}}, nil, &e)
	return e, err
}

// Pid returns the exec'd process's host pid.
func (p *Process) Pid() int { return p.pid }
