package clitest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth/berth/internal/cli"
)

// FakeDaemon is an httptest server speaking just enough of the Docker
// Engine API for the CLI tests. Handlers are registered per test on
// "METHOD /path" (the /vX.Y prefix is stripped); requests are recorded.
type FakeDaemon struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	handlers map[string]http.HandlerFunc
	requests []Request
	// Closing is closed before the server shuts down, so that handlers
	// blocked on a test's events return.
	Closing chan struct{}
	// Env is extra environment the CLI sees.
	Env map[string]string
	// Host is BERTH_HOST when set (a unix socket), else the tcp address.
	Host string
}

// Request is one recorded request.
type Request struct {
	Method, Path, Query string
	Body                []byte
}

var versionPrefix = regexp.MustCompile(`^/v[0-9.]+`)

// New starts a fake daemon on a TCP port; it answers /_ping.
func New(t *testing.T) *FakeDaemon {
	f := &FakeDaemon{t: t, handlers: map[string]http.HandlerFunc{}, Closing: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.Closing) })
	f.Handle("GET /_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.51")
		w.Write([]byte("OK"))
	})
	f.Handle("HEAD /_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.51")
	})
	return f
}

// Handle registers h for "METHOD /path".
func (f *FakeDaemon) Handle(pattern string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[pattern] = h
}

func (f *FakeDaemon) serve(w http.ResponseWriter, r *http.Request) {
	path := versionPrefix.ReplaceAllString(r.URL.Path, "")
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	f.requests = append(f.requests, Request{r.Method, path, r.URL.RawQuery, body})
	h := f.handlers[r.Method+" "+path]
	f.mu.Unlock()
	if h == nil {
		WriteJSON(w, http.StatusNotFound, map[string]string{"message": "page not found"})
		return
	}
	h(w, r)
}

// Find returns the recorded requests for METHOD /path.
func (f *FakeDaemon) Find(method, path string) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.requests {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// WriteJSON answers code with v as JSON.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// JSON is a handler answering 200 with v as JSON.
func JSON(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, http.StatusOK, v) }
}

// NotFound is a handler answering 404 with the daemon error msg.
func NotFound(msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusNotFound, map[string]string{"message": msg})
	}
}

// Hijack answers an attach request with a raw upgraded stream and runs fn
// on it; frames are multiplexed unless tty.
func Hijack(tty bool, fn func(in *bufio.Reader, out io.Writer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		withStdin := r.URL.Query().Get("stdin") == "1" || strings.Contains(r.URL.Path, "/exec/")
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		ct := "application/vnd.docker.multiplexed-stream"
		if tty {
			ct = "application/vnd.docker.raw-stream"
		}
		io.WriteString(conn, "HTTP/1.1 101 UPGRADED\r\nContent-Type: "+ct+"\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
		in := buf.Reader
		if !withStdin {
			in = bufio.NewReader(strings.NewReader(""))
		}
		fn(in, conn)
	}
}

// Frame writes one multiplexed stream frame (1 stdout, 2 stderr).
func Frame(w io.Writer, stream byte, s string) {
	hdr := make([]byte, 8)
	hdr[0] = stream
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(s)))
	w.Write(hdr)
	io.WriteString(w, s)
}

// NoContent is a handler answering 204.
func NoContent(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }

// CLI returns a CLI on the given streams that talks to f and never starts
// a daemon.
func (f *FakeDaemon) CLI(in io.Reader, out, errOut io.Writer) *cli.CLI {
	return &cli.CLI{Stdin: in, Stdout: out, Stderr: errOut, NoAutoStart: true,
		Env: func(k string) string {
			if k == "BERTH_HOST" {
				if f.Host != "" {
					return f.Host
				}
				return "tcp://" + f.srv.Listener.Addr().String()
			}
			return f.Env[k]
		}}
}

// Run executes one berth command line against f.
func (f *FakeDaemon) Run(stdin string, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = f.CLI(strings.NewReader(stdin), &out, &errb).Run(context.Background(), args)
	return out.String(), errb.String(), code
}

// NewUnix is New listening on a unix socket (the CLI reads a context in
// place only over one).
func NewUnix(t *testing.T) *FakeDaemon {
	f := New(t)
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	f.Host = "unix://" + sock
	return f
}

// HandleStartWait serves the start and the wait of container id: start
// answers 204 (or the daemon error startErr, and the container never
// starts); wait, as dockerd does, sends its headers at once and the exit
// code after the start and delay. It returns a function that blocks until
// the start, false when the fake daemon closes first (for the attach
// handler, whose output must follow the start).
func (f *FakeDaemon) HandleStartWait(id string, code int64, delay time.Duration, startErr string) (afterStart func() bool) {
	started := make(chan struct{})
	afterStart = func() bool {
		select {
		case <-started:
			return true
		case <-f.Closing:
			return false
		}
	}
	f.Handle("POST /containers/"+id+"/start", func(w http.ResponseWriter, r *http.Request) {
		if startErr != "" {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"message": startErr})
			return
		}
		close(started)
		w.WriteHeader(http.StatusNoContent)
	})
	f.Handle("POST /containers/"+id+"/wait", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		if !afterStart() {
			return
		}
		time.Sleep(delay)
		json.NewEncoder(w).Encode(map[string]int64{"StatusCode": code})
	})
	return afterStart
}

// WantOut runs one command line (no input) against f and fails t unless
// it exits 0 with want on its standard output.
func (f *FakeDaemon) WantOut(t *testing.T, want string, args ...string) {
	t.Helper()
	if out, errOut, code := f.Run("", args...); code != 0 || out != want {
		t.Fatalf("berth %s: exit %d, stdout %q (stderr %q), want %q", strings.Join(args, " "), code, out, errOut, want)
	}
}
