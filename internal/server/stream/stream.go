package stream

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

type versionKey struct{}

// WithAPIVersion returns ctx carrying the API version of the request path.
func WithAPIVersion(ctx context.Context, v string) context.Context {
	return context.WithValue(ctx, versionKey{}, v)
}

// APIVersion returns the version of the request ("" when the path had none:
// the server's own, the newest).
func APIVersion(ctx context.Context) string {
	v, _ := ctx.Value(versionKey{}).(string)
	return v
}

// VersionLessThan reports whether the request's API version is below v.
func VersionLessThan(ctx context.Context, v string) bool {
	rv := APIVersion(ctx)
	return rv != "" && CompareVersions(rv, v) < 0
}

// CompareVersions returns -1, 0 or 1 as a <, = or > b (dotted numbers).
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) || i < len(bs); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// tracker records whether a response has started, so that an error returned
// after the header (or a hijack) is not written twice.
type tracker struct {
	http.ResponseWriter
	started bool
}

func (t *tracker) WriteHeader(code int) { t.started = true; t.ResponseWriter.WriteHeader(code) }
func (t *tracker) Write(b []byte) (int, error) {
	t.started = true
	return t.ResponseWriter.Write(b)
}
func (t *tracker) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
func (t *tracker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := t.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("connection cannot be hijacked")
	}
	t.started = true
	return h.Hijack()
}
func (t *tracker) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// Track wraps h so that Started works on its response writers.
func Track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&tracker{ResponseWriter: w}, r)
	})
}

// Started reports whether the response header was written or the connection
// hijacked.
func Started(w http.ResponseWriter) bool {
	t, ok := w.(*tracker)
	return ok && t.started
}

// Flush flushes w if it can.
func Flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// Conn is a hijacked API connection: reads come from the client (stdin),
// writes go to it.
type Conn struct {
	net.Conn
	r io.Reader
}

// Read reads from the client, including bytes buffered before the hijack.
func (c *Conn) Read(b []byte) (int, error) { return c.r.Read(b) }

// CloseWrite half-closes the connection when the transport allows it.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Hijack takes over the connection of an attach or exec start: it answers
// "101 UPGRADED" when the client asked to upgrade (Connection: Upgrade,
// Upgrade: tcp) and "200 OK" otherwise, with the raw or multiplexed stream
// media type.
func Hijack(w http.ResponseWriter, r *http.Request, multiplexed bool) (*Conn, error) {
	h, ok := w.(http.Hijacker)
	if !ok {
		return nil, errors.New("hijack connection: not supported by the response writer")
	}
	conn, buf, err := h.Hijack()
	if err != nil {
		return nil, fmt.Errorf("hijack connection: %w", err)
	}
	ct := "application/vnd.docker.raw-stream"
	if multiplexed && !VersionLessThan(r.Context(), "1.42") {
		ct = "application/vnd.docker.multiplexed-stream"
	}
	var hdr string
	if strings.EqualFold(r.Header.Get("Upgrade"), "tcp") || strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade") {
		hdr = "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + ct + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
	} else {
		hdr = "HTTP/1.1 200 OK\r\nContent-Type: " + ct + "\r\n"
	}
	hdr += "Api-Version: " + w.Header().Get("Api-Version") + "\r\n\r\n"
	if _, err := conn.Write([]byte(hdr)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("write upgrade response: %w", err)
	}
	var rd io.Reader = conn
	if buf != nil && buf.Reader.Buffered() > 0 {
		rd = io.MultiReader(io.LimitReader(buf.Reader, int64(buf.Reader.Buffered())), conn)
	}
	return &Conn{Conn: conn, r: rd}, nil
}

// StdType is the stream byte of a multiplexed frame.
type StdType byte

// Stream bytes of stdcopy frames.
const (
	Stdin     StdType = 0
	Stdout    StdType = 1
	Stderr    StdType = 2
	Systemerr StdType = 3
)

// muxWriter frames writes as Docker's stdcopy: 8-byte header (stream, 0, 0,
// 0, big-endian uint32 length) then the payload. Writers sharing one
// connection share one lock so frames never interleave.
type muxWriter struct {
	mu *sync.Mutex
	w  io.Writer
	t  StdType
}

func (m *muxWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var hdr [8]byte
	hdr[0] = byte(m.t)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(p)))
	if _, err := m.w.Write(hdr[:]); err != nil {
		return 0, err
	}
	return m.w.Write(p)
}

// Upgrade hijacks an attach or exec start when its backend opens the
// streams, as the backends' Open options expect.
type Upgrade struct {
	w http.ResponseWriter
	r *http.Request
	// Conn is the hijacked connection, nil until Open succeeded.
	Conn *Conn
	// Stdout is the writer Open returned as stdout.
	Stdout io.Writer
}

// NewUpgrade returns the Upgrade of the request r answered on w.
func NewUpgrade(w http.ResponseWriter, r *http.Request) *Upgrade { return &Upgrade{w: w, r: r} }

// Open hijacks the connection: a raw stream for a tty, multiplexed
// frames otherwise. It returns the client's input, stdout and stderr.
func (u *Upgrade) Open(tty bool) (io.ReadCloser, io.Writer, io.Writer, error) {
	c, err := Hijack(u.w, u.r, !tty)
	if err != nil {
		return nil, nil, nil, err
	}
	u.Conn = c
	out, errw := Writers(c, !tty)
	u.Stdout = out
	return c, out, errw, nil
}

// Writers returns the stdout and stderr writers for w: multiplexed frames
// when mux is true, else both write w directly (raw tty stream). Writes are
// serialised.
func Writers(w io.Writer, mux bool) (stdout, stderr io.Writer) {
	mu := &sync.Mutex{}
	if !mux {
		lw := &lockedWriter{mu: mu, w: w}
		return lw, lw
	}
	return &muxWriter{mu: mu, w: w, t: Stdout}, &muxWriter{mu: mu, w: w, t: Stderr}
}

// SystemErr returns a writer of frames on the system-error stream.
func SystemErr(w io.Writer) io.Writer { return &muxWriter{mu: &sync.Mutex{}, w: w, t: Systemerr} }

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// FlushWriter flushes an HTTP response after every write (logs -f, events).
type FlushWriter struct {
	W http.ResponseWriter
}

// Write writes and flushes.
func (f FlushWriter) Write(p []byte) (int, error) {
	n, err := f.W.Write(p)
	Flush(f.W)
	return n, err
}
