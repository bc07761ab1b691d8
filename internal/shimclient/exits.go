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
	waiters map[string]map[chan waitResult]struct{}
}

type waitResult struct {
	exit Exit
	err  error
}

// watches holds the exitWatch of each monitor dir.
var watches sync.Map

func watchOf(dir string) *exitWatch {
	v, _ := watches.LoadOrStore(dir, &exitWatch{dir: dir, waiters: map[string]map[chan waitResult]struct{}{}})
	return v.(*exitWatch)
}

// register returns a channel that receives the exit of the container of
// stateDir (an absolute path), or an Unavailable error once the monitor
// cannot be reached; cancel unregisters it.
func (w *exitWatch) register(ctx context.Context, stateDir string) (ch chan waitResult, cancel func(), err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		if err := w.subscribe(ctx); errors.Is(err, errNoEvents) {
			return nil, nil, err
		} else if err != nil {
			return nil, nil, errdefs.Unavailable(fmt.Errorf("subscribe to the exits of monitor %s: %w", w.dir, err))
		}
	}
	ch = make(chan waitResult, 1)
	if w.waiters[stateDir] == nil {
		w.waiters[stateDir] = map[chan waitResult]struct{}{}
	}
	w.waiters[stateDir][ch] = struct{}{}
	return ch, func() {
		w.mu.Lock()
		delete(w.waiters[stateDir], ch)
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
		for ch := range w.waiters[ev.StateDir] {
			ch <- waitResult{exit: ev.Exit}
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
	for dir, chs := range w.waiters {
		for ch := range chs {
			ch <- waitResult{err: lost}
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

// waitExit waits for the init's exit through the monitor's exit events:
// registered first, then the state asked, so that no exit slips between.
func (s *Shim) waitExit(ctx context.Context) (Exit, error) {
	dir, err := filepath.Abs(s.StateDir)
	if err != nil {
		return Exit{}, err
	}
	ch, cancel, err := watchOf(s.cfg.MonitorDir).register(ctx, dir)
	if errors.Is(err, errNoEvents) {
		var e Exit
		return e, s.call(ctx, "GET", "/wait", nil, nil, &e)
	}
	if err != nil {
		return Exit{}, err
	}
	defer cancel()
	st, err := s.State(ctx)
	if err != nil {
		return Exit{}, err
	}
	if st.Exit != nil {
		return *st.Exit, nil
	}
	select {
	case r := <-ch:
		return r.exit, r.err
	case <-ctx.Done():
		return Exit{}, ctx.Err()
	}
}
