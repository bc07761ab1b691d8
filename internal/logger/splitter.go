package logger

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"time"
)

// LineWriter turns a byte stream into log messages: one per line, lines
// longer than MaxLine split into partial messages that share a PartialID.
// Write it the raw output; call Close at end of stream to flush a trailing
// partial line. It is not safe for concurrent use.
type LineWriter struct {
	stream  string
	sink    func(Message)
	buf     []byte
	now     func() time.Time
	partID  string // of the line being split; "" between lines
	partOrd int
}

// NewLineWriter returns a LineWriter for stream that hands each message to
// sink. The message's Line is only valid during the call.
func NewLineWriter(stream string, sink func(Message)) *LineWriter {
	return &LineWriter{stream: stream, sink: sink, now: time.Now}
}

// Write splits p into lines. It never fails.
func (w *LineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			for len(w.buf) >= MaxLine {
				w.emit(w.buf[:MaxLine])
				w.buf = append(w.buf[:0], w.buf[MaxLine:]...)
			}
			break
		}
		w.buf = append(w.buf, p[:i+1]...)
		p = p[i+1:]
		for len(w.buf) > MaxLine {
			w.emit(w.buf[:MaxLine])
			w.buf = append(w.buf[:0], w.buf[MaxLine:]...)
		}
		w.emit(w.buf)
		w.buf = w.buf[:0]
	}
	return n, nil
}

// Close flushes a pending partial line.
func (w *LineWriter) Close() error {
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = w.buf[:0]
	}
	return nil
}

func (w *LineWriter) emit(line []byte) {
	m := Message{Line: line, Stream: w.stream, Time: w.now()}
	if m.Partial() || w.partID != "" {
		if w.partID == "" {
			var id [16]byte
			_, _ = rand.Read(id[:])
			w.partID, w.partOrd = hex.EncodeToString(id[:]), 0
		}
		w.partOrd++
		m.PartialID, m.PartialOrdinal = w.partID, w.partOrd
		if !m.Partial() {
			w.partID = ""
		}
	}
	w.sink(m)
}
