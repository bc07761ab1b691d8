package shimclient

import (
	"context"
	"errors"
	"io"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ErrNotImplemented is returned by the placeholder bodies until the shim lands.
var ErrNotImplemented = errors.New("shim: not implemented")

// Config tells Start how to run one container.
type Config struct {
	ID          string   // container id
	Bundle      string   // OCI bundle dir (config.json + rootfs)
	StateDir    string   // private dir of this shim: socket, pid, exit status
	Runtime     []string // runtime argv prefix, e.g. {"/usr/local/bin/berth","runtime","--root","/run/berth/runtime"} or {"runc","--root",...}
	LogPath     string   // json-file log (Docker's on-disk format); "" = no log
	LogMaxSize  int64    // rotate at this size in bytes; 0 = never
	LogMaxFiles int      // files kept when rotating
	Terminal    bool     // process.terminal: the shim receives the pty master via --console-socket
	OpenStdin   bool     // keep a stdin pipe open for attach (docker run -i)
	StdinOnce   bool     // close the container's stdin when the first attached client detaches
}

// Streams are the client side of an attach. Nil members are not attached.
type Streams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer // ignored with a terminal (stdout carries both)
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
}

// Process is an exec'd process, monitored by the container's shim.
type Process struct {
	ExecID string
}

// Start launches `berth shim` for cfg, which creates the container with the
// runtime (not started yet) and returns once it is created.
func Start(ctx context.Context, cfg Config) (*Shim, error) { return nil, ErrNotImplemented }

// Connect reconnects to the shim whose state dir is stateDir.
func Connect(ctx context.Context, stateDir string) (*Shim, error) { return nil, ErrNotImplemented }

// Start starts the created container's process.
func (s *Shim) Start(ctx context.Context) error { return ErrNotImplemented }

// Pid returns the container's init pid on the host.
func (s *Shim) Pid() int { return 0 }

// Attach copies the container's stdio to and from st until ctx ends or the
// container exits.
func (s *Shim) Attach(ctx context.Context, st Streams) error { return ErrNotImplemented }

// Resize sets the terminal size of the container's pty.
func (s *Shim) Resize(ctx context.Context, height, width uint) error { return ErrNotImplemented }

// Kill sends sig to the container's init process.
func (s *Shim) Kill(ctx context.Context, sig syscall.Signal) error { return ErrNotImplemented }

// Wait blocks until the container's init exits and returns its exit status.
func (s *Shim) Wait(ctx context.Context) (Exit, error) { return Exit{}, ErrNotImplemented }

// Pause freezes the container; Resume thaws it.
func (s *Shim) Pause(ctx context.Context) error  { return ErrNotImplemented }
func (s *Shim) Resume(ctx context.Context) error { return ErrNotImplemented }

// Exec starts a process in the running container.
func (s *Shim) Exec(ctx context.Context, cfg ExecConfig) (*Process, error) {
	return nil, ErrNotImplemented
}

// Delete deletes the container from the runtime; the shim exits and its state
// dir is removed.
func (s *Shim) Delete(ctx context.Context) error { return ErrNotImplemented }

// Attach, Resize, Kill, Wait and Pid of an exec'd process behave as the
// container's.
func (p *Process) Attach(ctx context.Context, st Streams) error         { return ErrNotImplemented }
func (p *Process) Resize(ctx context.Context, height, width uint) error { return ErrNotImplemented }
func (p *Process) Kill(ctx context.Context, sig syscall.Signal) error   { return ErrNotImplemented }
func (p *Process) Wait(ctx context.Context) (Exit, error)               { return Exit{}, ErrNotImplemented }
func (p *Process) Pid() int                                             { return 0 }
