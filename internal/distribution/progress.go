package distribution

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/moby/moby/api/types/jsonstream"
)

// Progress writes Docker's JSON progress stream (one message a line) and
// flushes it, so that clients draw their bars as bytes move.
type Progress struct {
	mu  sync.Mutex
	w   io.Writer
	enc *json.Encoder
}

// NewProgress writes progress messages to w (nil: discard).
func NewProgress(w io.Writer) *Progress {
	if w == nil {
		w = io.Discard
	}
	return &Progress{w: w, enc: json.NewEncoder(w)}
}

// Message writes one message.
func (p *Progress) Message(m jsonstream.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.enc.Encode(m)
	if f, ok := p.w.(http.Flusher); ok {
		f.Flush()
	}
}

// Status writes a status line for id ("" for the whole operation).
func (p *Progress) Status(id, status string) {
	p.Message(jsonstream.Message{ID: id, Status: status})
}

// Aux writes an auxiliary object (push's tag, digest and size).
func (p *Progress) Aux(v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		return
	}
	m := json.RawMessage(raw)
	p.Message(jsonstream.Message{Aux: &m})
}

// bar reports byte progress of one layer, at most every 100ms.
type bar struct {
	p       *Progress
	id      string
	action  string
	total   int64
	current int64
	last    time.Time
}

func (b *bar) add(n int64) {
	b.current += n
	if time.Since(b.last) < 100*time.Millisecond && b.current < b.total {
		return
	}
	b.last = time.Now()
	b.p.Message(jsonstream.Message{ID: b.id, Status: b.action, Progress: &jsonstream.Progress{Current: b.current, Total: b.total}})
}

// countingReader calls fn with the bytes each Read returns.
type countingReader struct {
	r  io.Reader
	fn func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.fn(int64(n))
	}
	return n, err
}
