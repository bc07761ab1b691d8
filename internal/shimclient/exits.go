package shimclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/berth/berth/internal/errdefs"
)

// exitWatch receives the exits of every container of one monitor over one
// connection (an Events subscription), for the Waits of this process: a
// waiting container costs neither this process nor the monitor a
// connection of its own.
type exitWatch struct {
	dir string

	mu      sync.Mutex
	conn    net.Conn // nil until subscribed, and once the subscription broke
	waiters map[string]map[*waiter]struct{}
}

// waiter is one wait for an exit: fire runs its cleanups then f, once, in
// a goroutine of its own, so that nothing waits (no goroutine, no
// connection) meanwhile.
type waiter struct {
	once sync.Once
	f    func(Exit, error)

	mu       sync.Mutex
	fired    bool
	cleanups []func()
}

func (w *waiter) fire(e Exit, err error) {
	w.once.Do(func() {
		w.mu.Lock()
		w.fired = true
		cleanups := w.cleanups
		w.cleanups = nil
		w.mu.Unlock()
		go func() {
			for _, c := range cleanups {
				c()
			}
			w.f(e, err)
		}()
	})
}

// onFire adds a cleanup; it runs at once if w has fired.
func (w *waiter) onFire(c func()) {
	w.mu.Lock()
	if w.fired {
		w.mu.Unlock()
		c()
		return
	}
	w.cleanups = append(w.cleanups, c)
	w.mu.Unlock()
}

// watches holds the exitWatch of each monitor dir.
var watches sync.Map

func watchOf(dir string) *exitWatch {
	v, _ := watches.LoadOrStore(dir, &exitWatch{dir: dir, waiters: map[string]map[*waiter]struct{}{}})
	return v.(*exitWatch)
}

// register has wt fired with the exit of the container of stateDir (an
// absolute path), or with an Unavailable error once the monitor cannot be
// reached; cancel unregisters it.
func (w *exitWatch) register(ctx context.Context, stateDir string, wt *waiter) (cancel func(), err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		if err := w.subscribe(ctx); errors.Is(err, errNoEvents) {
			return nil, err
		} else if err != nil {
			return nil, errdefs.Unavailable(fmt.Errorf("subscribe to the exits of monitor %s: %w", w.dir, err))
		}
	}
	if w.waiters[stateDir] == nil {
		w.waiters[stateDir] = map[*waiter]struct{}{}
	}
	w.waiters[stateDir][wt] = struct{}{}
	return func() {
		w.mu.Lock()
		delete(w.waiters[stateDir], wt)
		if len(w.waiters[stateDir]) == 0 {
			delete(w.waiters, stateDir)
		}
		w.mu.Unlock()
	}, nil
}

// subscribe must be called with mu held.
func (w *exitWatch) subscribe(ctx context.Context) error {
	c, err := dialUnix(ctx, filepath.Join(w.dir, MonitorSocket))
	if err != nil {
		return err
	}
	req, _ := json.Marshal(AdoptRequest{Events: true})
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var line []byte
	if _, err = c.Write(append(req, '\n')); err == nil {
		line, err = br.ReadBytes('\n') // "{}": registered
	}
	if err == nil && string(line) != "{}\n" {
		err = errNoEvents
	}
	if err != nil {
		c.Close()
		return err
	}
	_ = c.SetDeadline(time.Time{})
	w.conn = c
	go w.read(c, br)
	return nil
}

// read hands each exit to its waiters; when the subscription ends (the
// monitor is gone) every waiter gets an Unavailable error.
func (w *exitWatch) read(c net.Conn, br *bufio.Reader) {
	var err error
	for {
		var line []byte
		if line, err = br.ReadBytes('\n'); err != nil {
			break
		}
		var ev ExitEvent
		if json.Unmarshal(line, &ev) != nil {
			continue
		}
		w.mu.Lock()
		for wt := range w.waiters[ev.StateDir] {
			wt.fire(ev.Exit, nil)
		}
		delete(w.waiters, ev.StateDir)
		w.mu.Unlock()
	}
	c.Close()
	lost := errdefs.Unavailable(fmt.Errorf("monitor %s: %w", w.dir, errors.Join(errMonitorGone, err)))
	w.mu.Lock()
	if w.conn == c {
		w.conn = nil
	}
	for dir, wts := range w.waiters {
		for wt := range wts {
			wt.fire(Exit{}, lost)
		}
		delete(w.waiters, dir)
	}
	w.mu.Unlock()
}

var (
	errMonitorGone = errors.New("the monitor is gone")
	// errNoEvents: the monitor (an older berth's) has no exit events.
	errNoEvents = errors.New("the monitor sends no exit events")
)

// notify has f called once with the init's exit, through the monitor's
// exit events: registered first, then the state asked, so that no exit
// slips between. Nothing waits meanwhile. f gets ctx's error if ctx ends
// first, and errNoEvents if the monitor has no exit events.
func (s *Shim) notify(ctx context.Context, f func(Exit, error)) {
	wt := &waiter{f: f}
	dir, err := filepath.Abs(s.StateDir)
	if err != nil {
		wt.fire(Exit{}, err)
		return
	}
	cancel, err := watchOf(s.cfg.MonitorDir).register(ctx, dir, wt)
	if err != nil {
		wt.fire(Exit{}, err)
		return
	}
	wt.onFire(cancel)
	st, err := s.State(ctx)
	switch {
	case err != nil:
		wt.fire(Exit{}, err)
	case st.Exit != nil:
		wt.fire(*st.Exit, nil)
	default:
		stop := context.AfterFunc(ctx, func() { wt.fire(Exit{}, ctx.Err()) })
		wt.onFire(func() { stop() })
	}
}
