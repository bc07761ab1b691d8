package shim

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// reaper reaps every child of the shim (it is a child subreaper, so the
// container init and exec'd processes come to it) and hands each exit to
// whoever registered the pid. The shim never uses os/exec's Wait, which
// would race with wait4(-1).
type reaper struct {
	mu        sync.Mutex
	waiters   map[int]chan syscall.WaitStatus
	unclaimed map[int]syscall.WaitStatus // exits nobody registered (yet)
}

// maxUnclaimed bounds the exits kept for pids nobody registered yet.
const maxUnclaimed = 1024

func newReaper() *reaper {
	r := &reaper{waiters: map[int]chan syscall.WaitStatus{}, unclaimed: map[int]syscall.WaitStatus{}}
	ch := make(chan os.Signal, 32)
	signal.Notify(ch, syscall.SIGCHLD)
	go func() {
		for range ch {
			r.reap()
		}
	}()
	return r
}

func (r *reaper) reap() {
	for {
		// wait4 and the hand-over happen under mu, so that kill never
		// signals a pid that was reaped (and could be reused) meanwhile.
		r.mu.Lock()
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			r.mu.Unlock()
			continue
		}
		if err != nil || pid <= 0 {
			r.mu.Unlock()
			return
		}
		if ws.Exited() || ws.Signaled() {
			if ch, ok := r.waiters[pid]; ok {
				delete(r.waiters, pid)
				ch <- ws
			} else {
				if len(r.unclaimed) >= maxUnclaimed {
					// Orphans of a container without its own pid namespace
					// come here too; nobody asks for them. Keep the map bounded.
					clear(r.unclaimed)
				}
				r.unclaimed[pid] = ws
			}
		}
		r.mu.Unlock()
	}
}

// kill signals pid if the shim has not reaped it yet: until then the pid
// is the shim's child (or orphan) and cannot have been reused.
func (r *reaper) kill(pid int, sig syscall.Signal) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.waiters[pid]; !ok {
		return errNotRunning
	}
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return errNotRunning
	}
	return err
}

// wait returns a channel that receives pid's exit status. pid may already
// have been reaped.
func (r *reaper) wait(pid int) <-chan syscall.WaitStatus {
	ch := make(chan syscall.WaitStatus, 1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if ws, ok := r.unclaimed[pid]; ok {
		delete(r.unclaimed, pid)
		ch <- ws
		return ch
	}
	r.waiters[pid] = ch
	return ch
}

// forget drops recorded exits of processes nobody will ask about (the
// runtime's helpers that were reparented to the shim).
func (r *reaper) forget() {
	r.mu.Lock()
	clear(r.unclaimed)
	r.mu.Unlock()
}
