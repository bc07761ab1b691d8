package integration

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// blobProxy sits between the engine and a registry on 127.0.0.1 and
// misbehaves on blob downloads as a test asks: it cuts a response half-way,
// hangs half-way, corrupts a byte, answers 500 or drops the connection
// before answering. It records the Range headers seen.
type blobProxy struct {
	host string
	srv  *http.Server

	mu       sync.Mutex
	mode     string // "", "cut", "hang", "corrupt", "down", "500", "drop"
	minSize  int64  // misbehave only on blobs at least this large
	times    int    // "500" and "drop": only on the first times requests of a blob (0: always)
	failed   map[string]int
	ranges   []string
	cutDone  map[string]bool
	halfSent chan struct{} // closed when "hang" has sent half a blob
	release  chan struct{} // closing it ends hung responses
}

func startBlobProxy(t *testing.T, upstream string) *blobProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &blobProxy{host: l.Addr().String(), cutDone: map[string]bool{}, failed: map[string]int{}, halfSent: make(chan struct{}), release: make(chan struct{})}
	u, _ := url.Parse("http://" + upstream)
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		mode := p.mode
		p.mu.Unlock()
		if mode == "down" {
			panic(http.ErrAbortHandler)
		}
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
			p.blob(w, r, upstream)
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.srv.Serve(l) }()
	t.Cleanup(func() {
		p.setMode("", 0)
		_ = p.srv.Close()
	})
	return p
}

func (p *blobProxy) setMode(mode string, minSize int64) { p.setModeTimes(mode, minSize, 0) }

// setModeTimes sets a mode that misbehaves on the first times requests of
// each blob (0: on every request).
func (p *blobProxy) setModeTimes(mode string, minSize int64, times int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == "hang" && mode != "hang" {
		select {
		case <-p.release:
		default:
			close(p.release)
		}
	}
	p.mode, p.minSize, p.times = mode, minSize, times
	p.failed = map[string]int{}
}

// failNow counts a request of a blob of size bytes for modes "500" and
// "drop": whether it is one to fail.
func (p *blobProxy) failNow(path string, size int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if (p.mode != "500" && p.mode != "drop") || size < p.minSize {
		return false
	}
	if p.times > 0 && p.failed[path] >= p.times {
		return false
	}
	p.failed[path]++
	return true
}

func (p *blobProxy) rangesSeen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ranges...)
}

func (p *blobProxy) blob(w http.ResponseWriter, r *http.Request, upstream string) {
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://"+upstream+r.URL.RequestURI(), nil)
	for _, h := range []string{"Range", "Authorization", "Accept"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	p.mu.Lock()
	if rg := r.Header.Get("Range"); rg != "" {
		p.ranges = append(p.ranges, rg)
	}
	mode, minSize := p.mode, p.minSize
	p.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	size := resp.ContentLength
	if resp.StatusCode == http.StatusOK && p.failNow(r.URL.Path, size) {
		if mode == "drop" {
			panic(http.ErrAbortHandler) // the connection closes before an answer
		}
		http.Error(w, "upstream unavailable", http.StatusInternalServerError)
		return
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if mode == "500" || mode == "drop" {
		mode = ""
	}
	if resp.StatusCode != http.StatusOK || size < minSize || mode == "" {
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		return
	}
	w.WriteHeader(resp.StatusCode)
	half := size / 2
	switch mode {
	case "cut":
		p.mu.Lock()
		first := !p.cutDone[r.URL.Path]
		p.cutDone[r.URL.Path] = true
		p.mu.Unlock()
		if !first {
			_, _ = io.Copy(w, resp.Body)
			return
		}
		_, _ = io.CopyN(w, resp.Body, half)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	case "hang":
		_, _ = io.CopyN(w, resp.Body, half)
		w.(http.Flusher).Flush()
		p.mu.Lock()
		select {
		case <-p.halfSent:
		default:
			close(p.halfSent)
		}
		rel := p.release
		p.mu.Unlock()
		select {
		case <-rel:
		case <-r.Context().Done():
		}
		panic(http.ErrAbortHandler)
	case "corrupt":
		buf, _ := io.ReadAll(resp.Body)
		buf[len(buf)/2] ^= 0xff
		_, _ = w.Write(buf)
	default:
		_, _ = io.Copy(w, resp.Body)
	}
}
