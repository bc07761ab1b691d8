package shim

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// reaper reaps every child of the monitor (it is a child subreaper, so the
// containers' inits and exec'd processes come to it) with one wait loop and
// hands each exit to whoever registered the pid. The monitor never uses
// os/exec's Wait, which would race with wait4(-1).
type reaper struct {
	mu        sync.Mutex
	waiters   map[int]func(syscall.WaitStatus) // must not block
	unclaimed map[int]unclaimedExit            // exits nobody registered (yet)
}

type unclaimedExit struct {
	ws syscall.WaitStatus
	at time.Time
}

// An exit nobody registered is kept a while: a container init is adopted
// (reparented to the monitor) when its runtime's create exits, and may end
// before the monitor has read its pid. Orphans of a container without its
// own pid namespace come here too and nobody ever asks for them: once
// maxUnclaimed are kept, those older than unclaimedTTL are dropped.
const (
	maxUnclaimed = 256
	unclaimedTTL = time.Minute
)

func newReaper() *reaper {
	r := &reaper{waiters: map[int]func(syscall.WaitStatus){}, unclaimed: map[int]unclaimedExit{}}
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
			if f, ok := r.waiters[pid]; ok {
				delete(r.waiters, pid)
				f(ws)
			} else {
				r.keepUnclaimed(pid, ws)
			}
		}
		r.mu.Unlock()
	}
}

// keepUnclaimed must be called with mu held.
func (r *reaper) keepUnclaimed(pid int, ws syscall.WaitStatus) {
	if len(r.unclaimed) >= maxUnclaimed {
		for p, u := range r.unclaimed {
			if time.Since(u.at) > unclaimedTTL {
				delete(r.unclaimed, p)
			}
		}
	}
	r.unclaimed[pid] = unclaimedExit{ws, time.Now()}
}

// kill signals pid if the monitor has not reaped it yet: until then the pid
// is the monitor's child (or orphan) and cannot have been reused.
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
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.waitLocked(pid)
}

func (r *reaper) waitLocked(pid int) <-chan syscall.WaitStatus {
	ch := make(chan syscall.WaitStatus, 1)
	r.onExitLocked(pid, func(ws syscall.WaitStatus) { ch <- ws })
	return ch
}

// onExit has f called, in a goroutine of its own, with pid's exit status:
// nothing waits meanwhile. pid may already have been reaped.
func (r *reaper) onExit(pid int, f func(syscall.WaitStatus)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onExitLocked(pid, func(ws syscall.WaitStatus) { go f(ws) })
}

// onExitLocked registers f, which must not block; mu is held.
func (r *reaper) onExitLocked(pid int, f func(syscall.WaitStatus)) {
	if u, ok := r.unclaimed[pid]; ok {
		delete(r.unclaimed, pid)
		f(u.ws)
		return
	}
	r.waiters[pid] = f
}

// start runs fork, which starts a child, and registers its pid before the
// wait loop can reap it.
func (r *reaper) start(fork func() (int, error)) (int, <-chan syscall.WaitStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, err := fork()
	if err != nil {
		return 0, nil, err
	}
	return pid, r.waitLocked(pid), nil
}
