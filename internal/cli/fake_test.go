package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fakeDaemon is an httptest server speaking just enough of the Docker
// Engine API for the CLI tests. Handlers are registered per test on
// "METHOD /path" (the /vX.Y prefix is stripped); requests are recorded.
type fakeDaemon struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	handlers map[string]http.HandlerFunc
	requests []recorded
	// closing is closed before the server shuts down, so that handlers
	// blocked on a test's events return.
	closing chan struct{}
	// env is extra environment the CLI sees.
	env map[string]string
	// host is BERTH_HOST when set (a unix socket), else the tcp address.
	host string
}

type recorded struct {
	Method, Path, Query string
	Body                []byte
}

var versionPrefix = regexp.MustCompile(`^/v[0-9.]+`)

func newFakeDaemon(t *testing.T) *fakeDaemon {
	f := &fakeDaemon{t: t, handlers: map[string]http.HandlerFunc{}, closing: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.closing) })
	f.handle("GET /_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.51")
		w.Write([]byte("OK"))
	})
	f.handle("HEAD /_ping", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.51")
	})
	return f
}

func (f *fakeDaemon) handle(pattern string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[pattern] = h
}

func (f *fakeDaemon) serve(w http.ResponseWriter, r *http.Request) {
	path := versionPrefix.ReplaceAllString(r.URL.Path, "")
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.Method, path, r.URL.RawQuery, body})
	h := f.handlers[r.Method+" "+path]
	f.mu.Unlock()
	if h == nil {
		writeJSONStatus(w, http.StatusNotFound, map[string]string{"message": "page not found"})
		return
	}
	h(w, r)
}

// find returns the recorded requests for METHOD /path.
func (f *fakeDaemon) find(method, path string) []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.requests {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func jsonHandler(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeJSONStatus(w, http.StatusOK, v) }
}

func notFound(msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSONStatus(w, http.StatusNotFound, map[string]string{"message": msg})
	}
}

// hijack answers an attach request with a raw upgraded stream and runs fn
// on it; frames are multiplexed unless tty.
func hijack(tty bool, fn func(in *bufio.Reader, out io.Writer)) http.HandlerFunc {
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

// frame writes one multiplexed stream frame (1 stdout, 2 stderr).
func frame(w io.Writer, stream byte, s string) {
	hdr := make([]byte, 8)
	hdr[0] = stream
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(s)))
	w.Write(hdr)
	io.WriteString(w, s)
}

// run executes one berth command line against the fake daemon.
func (f *fakeDaemon) run(stdin string, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	c := &CLI{In: strings.NewReader(stdin), Out: &out, Err: &errb, NoAutoStart: true,
		Env: func(k string) string {
			if k == "BERTH_HOST" {
				if f.host != "" {
					return f.host
				}
				return "tcp://" + f.srv.Listener.Addr().String()
			}
			return f.env[k]
		}}
	code = c.Run(context.Background(), args)
	return out.String(), errb.String(), code
}
