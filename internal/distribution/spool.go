package distribution

import (
	"context"
	"io"
	"os"
	"sync"
)

// spool is a file being downloaded while another goroutine reads it: the
// reader gets the bytes already written and waits for more, so a layer is
// unpacked as it streams while later layers download in parallel. The
// reader sees io.EOF only after the download finished and its digest was
// verified, and the download's error otherwise.
type spool struct {
	f *os.File

	mu      sync.Mutex
	written int64
	done    bool
	err     error
	wake    chan struct{} // closed and replaced at every update
}

func newSpool(f *os.File, written int64) *spool {
	return &spool{f: f, written: written, wake: make(chan struct{})}
}

// advance records n more bytes in the file.
func (s *spool) advance(n int64) { s.update(func() { s.written += n }) }

// reset records that the file was truncated (the server ignored Range).
func (s *spool) reset() { s.update(func() { s.written = 0 }) }

// finish ends the download with err (nil: complete and verified).
func (s *spool) finish(err error) {
	s.update(func() {
		if !s.done {
			s.done, s.err = true, err
		}
	})
}

// result waits for the download to end and returns its error.
func (s *spool) result(ctx context.Context) error {
	for {
		s.mu.Lock()
		done, err, wake := s.done, s.err, s.wake
		s.mu.Unlock()
		if done {
			return err
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

func (s *spool) update(fn func()) {
	s.mu.Lock()
	fn()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

// reader returns a reader of the whole blob from offset 0.
func (s *spool) reader(ctx context.Context) io.Reader { return &spoolReader{s: s, ctx: ctx} }

type spoolReader struct {
	s   *spool
	ctx context.Context
	off int64
}

func (r *spoolReader) Read(p []byte) (int, error) {
	for {
		r.s.mu.Lock()
		written, done, err, wake := r.s.written, r.s.done, r.s.err, r.s.wake
		r.s.mu.Unlock()
		// After a reset (the server ignored Range) the file is rewritten
		// with the same bytes: wait until it is past r.off again; the
		// digest check at the end catches a blob that changed.
		if r.off < written {
			if int64(len(p)) > written-r.off {
				p = p[:written-r.off]
			}
			n, rerr := r.s.f.ReadAt(p, r.off)
			r.off += int64(n)
			if n > 0 {
				return n, nil
			}
			if rerr != nil && rerr != io.EOF {
				return 0, rerr
			}
		}
		if done {
			if err != nil {
				return 0, err
			}
			if r.off >= written {
				return 0, io.EOF
			}
			continue
		}
		select {
		case <-wake:
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
}
