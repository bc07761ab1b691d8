package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
	"github.com/berth/berth/internal/server/stream"
)

// Config holds what the server reports in its headers.
type Config struct {
	Version      string // berth's version for the Server header
	Experimental bool
	Log          *slog.Logger
}

// Server serves the Docker Engine API on any number of listeners.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	mu      sync.Mutex
	servers []*http.Server
}

// New returns a server with the routes of routers registered.
func New(cfg Config, routers ...router.Router) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	for _, rt := range routers {
		for _, r := range rt.Routes() {
			s.mux.Handle(r.Pattern, s.wrap(r.Handler))
		}
	}
	return s
}

// ServeHTTP strips the version prefix, checks it, sets Docker's headers and
// dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Api-Version", APIVersion)
	h.Set("Ostype", "linux")
	h.Set("Docker-Experimental", boolString(s.cfg.Experimental))
	h.Set("Server", "Docker/"+s.cfg.Version+" (linux)")
	v, rest := splitVersion(r.URL.Path)
	if err := checkVersion(v); err != nil {
		s.writeError(w, r, err)
		return
	}
	if v != "" {
		r2 := r.Clone(stream.WithAPIVersion(r.Context(), v))
		r2.URL.Path = rest
		r2.URL.RawPath = ""
		r = r2
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.writeError(w, r, notFoundPage(r))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (s *Server) wrap(h router.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() {
			// net/http would recover too, but drop the connection without
			// an answer; the client gets a 500 and the log the stack.
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, recovery.Error(s.cfg.Log, r.Method+" "+r.URL.Path, v))
			}
		}()
		err := h(w, r)
		if err != nil {
			s.writeError(w, r, err)
		}
		s.cfg.Log.Debug("api request", "method", r.Method, "path", r.URL.Path, "dur", time.Since(start), "err", err)
	})
}

// writeError writes err as Docker does, unless the handler already hijacked
// or wrote the header (then it is only logged).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := StatusFromError(err)
	if code >= 500 {
		s.cfg.Log.Error("api error", "method", r.Method, "path", r.URL.Path, "status", code, "err", err)
	}
	if stream.Started(w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if r.Method == http.MethodHead {
		return
	}
	_ = json.NewEncoder(w).Encode(errorBody{Message: err.Error()})
}

// Serve serves on l until Shutdown; it returns nil after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	hs := &http.Server{Handler: stream.Track(s), ReadHeaderTimeout: 30 * time.Second, ConnContext: httputil.WithConn}
	s.mu.Lock()
	s.servers = append(s.servers, hs)
	s.mu.Unlock()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops every listener; hijacked connections are closed too.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, hs := range s.servers {
		_ = hs.Shutdown(ctx)
	}
}
