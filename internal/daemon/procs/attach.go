package procs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/shimclient"
	"github.com/moby/term"
)

// pendingAttach is an attach made before the container started (docker run
// attaches, then starts): start hands it the new shim before the process
// runs, so no output is missed.
type pendingAttach struct {
	streams shimclient.Streams
	ctx     context.Context
	done    chan error
	// opened is closed once streams is set: the attach is queued before
	// the client gets its 101 (after which it may start the container at
	// once), and its streams exist only after that answer.
	opened chan struct{}
}

type attachQueue struct {
	mu sync.Mutex
	m  map[string][]*pendingAttach
}

func (q *attachQueue) add(id string, p *pendingAttach) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.m == nil {
		q.m = map[string][]*pendingAttach{}
	}
	q.m[id] = append(q.m[id], p)
}

func (q *attachQueue) remove(id string, p *pendingAttach) {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.m[id]
	for i, x := range l {
		if x == p {
			q.m[id] = append(l[:i], l[i+1:]...)
			break
		}
	}
}

func (q *attachQueue) take(id string) []*pendingAttach {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.m[id]
	delete(q.m, id)
	return l
}

// AttachPending attaches the queued clients of c to its new shim and waits
// until the shim registered each of them.
func (s *Service) AttachPending(c *container.Container, sh *shimclient.Shim) {
	for _, p := range s.attaches.take(c.ID) {
		select {
		case <-p.opened:
		case <-p.ctx.Done():
			continue
		}
		ready := make(chan struct{})
		st := p.streams
		var once sync.Once
		st.Ready = func() { once.Do(func() { close(ready) }) }
		recovery.Go(s.log, "attach "+c.ID, func() {
			err := sh.Attach(p.ctx, st)
			once.Do(func() { close(ready) })
			p.done <- err
		}, func(err error) {
			once.Do(func() { close(ready) })
			select {
			case p.done <- err:
			default:
			}
		})
		select {
		case <-ready:
		case <-time.After(5 * time.Second):
			s.log.Warn("attach not ready in time", "id", c.ID)
		}
	}
}

// DropPending ends the queued attaches of a container whose start failed.
func (s *Service) DropPending(id string) {
	for _, p := range s.attaches.take(id) {
		p.done <- nil
	}
}

// ContainerAttach attaches the client's streams to the container: to the
// running process, or — when it has not started — to the next start.
func (s *Service) ContainerAttach(ctx context.Context, name string, opts backend.ContainerAttachOptions) error {
	c, err := s.containers.Get(name)
	if err != nil {
		return err
	}
	c.Lock()
	tty := c.Config.Tty
	status := c.State.Status
	c.Unlock()
	if status == container.StatusPaused {
		return errdefs.Conflict(fmt.Errorf("container %s is paused, unpause the container before attach", c.ID))
	}
	// Queue the attach to the next start before answering the client.
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var p *pendingAttach
	if opts.Stream {
		c.Lock()
		if !c.State.Running() {
			p = &pendingAttach{ctx: actx, done: make(chan error, 1), opened: make(chan struct{})}
			s.attaches.add(c.ID, p)
		}
		c.Unlock()
	}
	if p != nil {
		defer func() {
			select {
			case <-p.opened:
			default: // failed before its streams existed
				s.attaches.remove(c.ID, p)
				cancel()
				close(p.opened)
			}
		}()
	}
	stdin, stdout, stderr, err := opts.Open(tty)
	if err != nil {
		return err
	}
	if !opts.Stdout {
		stdout = nil
	}
	if !opts.Stderr || tty {
		if !opts.Stderr {
			stderr = nil
		}
	}
	if opts.Logs {
		if err := s.replayLogs(ctx, c, stdout, stderr); err != nil {
			return err
		}
	}
	if !opts.Stream {
		return nil
	}
	st := shimclient.Streams{Stdout: stdout, Stderr: stderr}
	if opts.Stdin && c.Config.OpenStdin {
		keys, err := parseDetachKeys(opts.DetachKeys)
		if err != nil {
			return err
		}
		st.Stdin = &detachReader{r: stdin, keys: keys, onDetach: func() {
			s.emit("detach", c, nil)
			cancel()
		}}
	}
	s.emit("attach", c, nil)
	if p != nil {
		p.streams = st
		close(p.opened)
		select {
		case err := <-p.done:
			return attachResult(err)
		case <-ctx.Done():
			s.attaches.remove(c.ID, p)
			return nil
		}
	}
	sh, ok := s.containers.Shim(c)
	if !ok {
		return container.ErrNotRunning(c.ID)
	}
	return attachResult(sh.Attach(actx, st))
}

func attachResult(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// replayLogs writes the container's log so far to the attach streams.
func (s *Service) replayLogs(ctx context.Context, c *container.Container, stdout, stderr io.Writer) error {
	driver := c.HostConfig.LogConfig.Type
	if !logger.Readable(driver) {
		return errNotReadable
	}
	return logger.Read(ctx, c.LogPath, logger.ReadConfig{Tail: -1, Stdout: stdout != nil, Stderr: stderr != nil, Driver: driver}, func(m logger.Message) error {
		w := stdout
		if m.Stream == logger.Stderr {
			w = stderr
		}
		if w == nil {
			return nil
		}
		_, err := w.Write(m.Line)
		return err
	})
}

// parseDetachKeys parses Docker's detach key spec (moby/term's format:
// single characters and ctrl-<key>, comma-separated; "ctrl-p,ctrl-q" when
// empty).
func parseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		return []byte{16, 17}, nil
	}
	keys, err := term.ToBytes(s)
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid detach keys (%s) provided", s))
	}
	return keys, nil
}

// detachReader passes stdin through until the detach key sequence, then
// ends the attach (the container keeps running). Bytes of a partial match
// are held back and passed on when the sequence breaks.
type detachReader struct {
	r        io.Reader
	keys     []byte
	matched  int
	pending  []byte
	onDetach func()
	detached bool
	err      error
}

func (d *detachReader) Read(p []byte) (int, error) {
	for {
		if len(d.pending) > 0 {
			n := copy(p, d.pending)
			d.pending = d.pending[n:]
			return n, nil
		}
		if d.detached {
			return 0, io.EOF
		}
		if d.err != nil {
			return 0, d.err
		}
		buf := make([]byte, len(p))
		n, err := d.r.Read(buf)
		for i := 0; i < n && !d.detached; i++ {
			b := buf[i]
			if b == d.keys[d.matched] {
				d.matched++
				if d.matched == len(d.keys) {
					d.detached = true
					d.onDetach()
				}
				continue
			}
			if d.matched > 0 {
				d.pending = append(d.pending, d.keys[:d.matched]...)
				d.matched = 0
				if b == d.keys[0] {
					d.matched = 1
					continue
				}
			}
			d.pending = append(d.pending, b)
		}
		if err != nil {
			if d.matched > 0 {
				d.pending = append(d.pending, d.keys[:d.matched]...)
				d.matched = 0
			}
			d.err = err
		}
	}
}
