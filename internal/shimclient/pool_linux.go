package shimclient

import (
	"fmt"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Pool keeps one shim started ahead of need: a "warm" `berth shim warm`
// process that waits, with its Go runtime already up, for the state dir of
// the next container on a pipe. Start with Config.Pool hands the container
// to it instead of starting a process, which takes a whole process start
// (tens of milliseconds, most of a container start) off the path of
// `run`. The pool starts the next warm shim once the current one has taken
// its container. A warm shim whose pool goes away (Close, or the daemon
// exits) reads end-of-file and exits.
//
// Lifecycle:
//
//	p := shimclient.NewPool(bin)         // starts the first warm shim
//	sh, err := shimclient.Start(ctx, shimclient.Config{..., Pool: p})
//	p.Close()                            // on daemon shutdown
type Pool struct {
	bin string

	mu     sync.Mutex
	warm   *warmShim
	closed bool
}

// warmShim is the daemon's end of one waiting shim.
type warmShim struct {
	assign *os.File // write the state dir + "\n" here
	ready  *os.File // the shim's readiness line, as for a fresh shim
}

// NewPool returns a pool of shims of the berth binary bin and starts the
// first warm shim in the background.
func NewPool(bin string) *Pool {
	p := &Pool{bin: bin}
	go p.refill()
	return p
}

// take returns the warm shim, if there is one, and leaves the pool empty.
func (p *Pool) take(bin string) *warmShim {
	if p == nil || bin != p.bin {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.warm
	p.warm = nil
	return w
}

// refill starts a warm shim when the pool is empty. Errors leave the pool
// empty: Start then starts shims the ordinary way.
func (p *Pool) refill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.warm != nil {
		return
	}
	w, err := spawnWarm(p.bin)
	if err != nil {
		return
	}
	p.warm = w
}

// Close makes the waiting shim exit and stops refilling.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.warm != nil {
		p.warm.close()
		p.warm = nil
	}
}

func (w *warmShim) close() {
	w.assign.Close()
	w.ready.Close()
}

// spawnWarm starts `berth shim warm` as spawnShim starts a shim: in a
// session of its own and, through CLONE_PARENT, not a child of the caller.
// Its fd 3 is the readiness pipe and fd 4 the assignment pipe.
func spawnWarm(bin string) (*warmShim, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer devnull.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer readyW.Close()
	assignR, assignW, err := os.Pipe()
	if err != nil {
		readyR.Close()
		return nil, err
	}
	defer assignR.Close()
	proc, err := os.StartProcess(bin, []string{bin, "shim", "warm"}, &os.ProcAttr{
		Dir:   "/",
		Files: []*os.File{devnull, devnull, devnull, readyW, assignR},
		Sys:   &syscall.SysProcAttr{Setsid: true, Cloneflags: unix.CLONE_PARENT},
	})
	if err != nil {
		readyR.Close()
		assignW.Close()
		return nil, fmt.Errorf("start warm shim: %w", err)
	}
	_ = proc.Release()
	return &warmShim{assign: assignW, ready: readyR}, nil
}
