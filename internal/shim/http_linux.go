package shim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/shimclient"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// httpError carries a status and a shimclient WireError kind.
type httpError struct {
	code int
	kind string
	err  error
}

func (e *httpError) Error() string { return e.err.Error() }

func notFound(format string, a ...any) error {
	return &httpError{http.StatusNotFound, "not found", fmt.Errorf(format, a...)}
}
func conflict(format string, a ...any) error {
	return &httpError{http.StatusConflict, "conflict", fmt.Errorf(format, a...)}
}
func invalid(format string, a ...any) error {
	return &httpError{http.StatusBadRequest, "invalid parameter", fmt.Errorf(format, a...)}
}

func writeError(w http.ResponseWriter, err error) {
	code, kind := http.StatusInternalServerError, ""
	var he *httpError
	if errors.As(err, &he) {
		code, kind = he.code, he.kind
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(shimclient.WireError{Message: err.Error(), Kind: kind})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// handle adapts a handler returning (reply, error); a nil reply is 204.
func handle(f func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		switch {
		case err != nil:
			writeError(w, err)
		case v == nil:
			w.WriteHeader(http.StatusNoContent)
		default:
			writeJSON(w, v)
		}
	}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /state", handle(func(*http.Request) (any, error) { return s.state(), nil }))
	mux.Handle("POST /start", handle(s.start))
	mux.Handle("POST /kill", handle(s.postKill))
	mux.Handle("POST /resize", handle(s.postResize))
	mux.Handle("POST /reopen-log", handle(s.reopenLog))
	mux.Handle("POST /pause", handle(func(r *http.Request) (any, error) { return nil, s.pause(r.Context(), true) }))
	mux.Handle("POST /resume", handle(func(r *http.Request) (any, error) { return nil, s.pause(r.Context(), false) }))
	mux.Handle("POST /exec", handle(s.postExec))
	mux.Handle("GET /wait", handle(s.wait))
	mux.HandleFunc("POST /attach", s.attach)
	mux.HandleFunc("POST /delete", s.delete)
	return mux
}

// reopenLog opens the container's log file again at its path.
func (s *server) reopenLog(*http.Request) (any, error) {
	r, ok := s.log.(logger.Reopener)
	if !ok {
		return nil, conflict("container %s does not log to a file", s.cfg.ID)
	}
	return nil, r.Reopen()
}

func (s *server) state() shimclient.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := shimclient.State{ID: s.cfg.ID, Pid: s.init.pid, Status: s.status, ShimPid: os.Getpid()}
	if s.init.isDone() {
		e := s.init.exit
		st.Exit = &e
	}
	return st
}

// proc returns the init or the exec named by the "exec" query parameter.
func (s *server) proc(r *http.Request) (*proc, error) {
	id := r.URL.Query().Get("exec")
	if id == "" {
		return s.init, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.execs[id]
	if !ok {
		return nil, notFound("no such exec instance: %s", id)
	}
	return p, nil
}

func (s *server) start(r *http.Request) (any, error) {
	s.mu.Lock()
	if s.status != shimclient.StatusCreated {
		st := s.status
		s.mu.Unlock()
		return nil, conflict("container %s is %s, not created", s.cfg.ID, st)
	}
	s.status = shimclient.StatusRunning
	s.mu.Unlock()
	// From now on output is the container's own: log and stream it.
	s.init.release()
	if s.cfg.RunOnCreate {
		s.init.openGate()
		return s.state(), nil
	}
	if err := s.rt.run(r.Context(), "start", s.cfg.ID); err != nil {
		s.mu.Lock()
		if s.status == shimclient.StatusRunning {
			s.status = shimclient.StatusCreated
		}
		s.mu.Unlock()
		return nil, err
	}
	return s.state(), nil
}

func (s *server) postKill(r *http.Request) (any, error) {
	q := r.URL.Query()
	sig, err := strconv.Atoi(q.Get("sig"))
	if err != nil || sig <= 0 || sig > 64 {
		return nil, invalid("invalid signal %q", q.Get("sig"))
	}
	p, err := s.proc(r)
	if err != nil {
		return nil, err
	}
	if q.Get("all") == "1" && p == s.init {
		if p.isDone() {
			return nil, conflict("container %s is not running", s.cfg.ID)
		}
		return nil, s.rt.run(r.Context(), "kill", "--all", s.cfg.ID, strconv.Itoa(sig))
	}
	if err := s.kill(p, syscall.Signal(sig)); err != nil {
		if errors.Is(err, errNotRunning) {
			if p == s.init {
				return nil, conflict("container %s is not running", s.cfg.ID)
			}
			return nil, conflict("exec %s is not running", p.execID)
		}
		return nil, err
	}
	return nil, nil
}

func (s *server) postResize(r *http.Request) (any, error) {
	q := r.URL.Query()
	h, err1 := strconv.ParseUint(q.Get("h"), 10, 16)
	w, err2 := strconv.ParseUint(q.Get("w"), 10, 16)
	if err1 != nil || err2 != nil {
		return nil, invalid("invalid terminal size %sx%s", q.Get("h"), q.Get("w"))
	}
	p, err := s.proc(r)
	if err != nil {
		return nil, err
	}
	if err := p.resize(uint16(h), uint16(w)); err != nil {
		return nil, conflict("resize: %v", err)
	}
	return nil, nil
}

func (s *server) pause(ctx context.Context, pause bool) error {
	if s.init.isDone() {
		return conflict("container %s is not running", s.cfg.ID)
	}
	verb, next := "resume", shimclient.StatusRunning
	if pause {
		verb, next = "pause", shimclient.StatusPaused
	}
	if err := s.rt.run(ctx, verb, s.cfg.ID); err != nil {
		return err
	}
	s.mu.Lock()
	if s.status != shimclient.StatusStopped {
		s.status = next
	}
	s.mu.Unlock()
	return nil
}

func (s *server) postExec(r *http.Request) (any, error) {
	var cfg shimclient.ExecConfig
	if err := json.NewDecoder(r.Body).Decode(&cfg); err != nil {
		return nil, invalid("decode exec config: %v", err)
	}
	if cfg.ExecID == "" {
		return nil, invalid("exec id is required")
	}
	s.mu.Lock()
	if _, ok := s.execs[cfg.ExecID]; ok {
		s.mu.Unlock()
		return nil, conflict("exec %s exists", cfg.ExecID)
	}
	if s.status != shimclient.StatusRunning {
		st := s.status
		s.mu.Unlock()
		return nil, conflict("container %s is %s", s.cfg.ID, st)
	}
	s.nextTmp++
	base := "x" + strconv.Itoa(s.nextTmp)
	p := newProc(cfg.ExecID)
	s.execs[cfg.ExecID] = p
	s.mu.Unlock()
	pid, err := s.runExec(p, base, cfg)
	if err != nil {
		s.mu.Lock()
		delete(s.execs, cfg.ExecID)
		s.mu.Unlock()
		return nil, err
	}
	return shimclient.ExecState{ExecID: cfg.ExecID, Pid: pid}, nil
}

func (s *server) runExec(p *proc, base string, cfg shimclient.ExecConfig) (int, error) {
	procFile := filepath.Join(s.dir, base+".json")
	pidFile := filepath.Join(s.dir, base+".pid")
	defer os.Remove(procFile)
	defer os.Remove(pidFile)
	spec := cfg.Process
	if err := writeProcess(procFile, &spec); err != nil {
		return 0, err
	}
	p.stdinOnce = true // an exec's stdin closes when its attach ends, as in Docker
	p.holding = true   // until the first attach: exec output goes nowhere else
	args := []string{"exec", "--process", procFile, "--detach", "--pid-file", pidFile}
	pid, err := s.startProcess(p, args, spec.Terminal, cfg.OpenStdin)
	if err != nil {
		return 0, err
	}
	p.pid = pid
	s.watch(p, func(*shimclient.Exit) {
		// Forget the exec a while after it exited, so that a long-lived
		// container with periodic execs (health checks) does not grow the shim.
		time.AfterFunc(execKeep, func() {
			s.mu.Lock()
			if s.execs[cfg.ExecID] == p {
				delete(s.execs, cfg.ExecID)
			}
			s.mu.Unlock()
		})
	})
	return pid, nil
}

// execKeep is how long an exited exec stays known (Wait, Attach for its
// held output).
const execKeep = 5 * time.Minute

func writeProcess(path string, p *specs.Process) error {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode exec process: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write exec process: %w", err)
	}
	return nil
}

func (s *server) wait(r *http.Request) (any, error) {
	p, err := s.proc(r)
	if err != nil {
		return nil, err
	}
	select {
	case <-p.done:
		return p.exit, nil
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}

// attach hijacks the connection and streams the process's stdio.
func (s *server) attach(w http.ResponseWriter, r *http.Request) {
	p, err := s.proc(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	hj, ok := w.(http.Hijacker)
	if !ok {
		writeError(w, errors.New("attach: connection cannot be hijacked"))
		return
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	sb := newSub(conn, q.Get("stdout") == "1", q.Get("stderr") == "1")
	live, err := p.subscribe(sb, func() error {
		_, err := io.WriteString(conn, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: berth-stream\r\n\r\n")
		return err
	})
	if err != nil {
		p.unsubscribe(sb)
		return
	}
	withStdin := q.Get("stdin") == "1"
	go func() {
		in := io.Reader(brw.Reader) // holds what the client sent right after the request
		if withStdin && live {
			p.copyStdin(in)
			return
		}
		// No stdin: the client only ever closes the stream (detach). Once
		// the output is over (an exec that ended before its attach), its
		// end of input is no detach: what is queued is still written.
		_, _ = io.Copy(io.Discard, in)
		if live {
			sb.leave()
		}
	}()
	// Written here, off the pump: until the output ended (and what was
	// held for it is delivered) or the client is gone or dropped.
	sb.writeLoop()
	p.unsubscribe(sb)
	// Output is over: half-close so that the client sees EOF.
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

// delete deletes the container from the runtime, removes the state dir and
// makes the shim exit once the reply is sent.
func (s *server) delete(w http.ResponseWriter, r *http.Request) {
	force := r.URL.Query().Get("force") == "1"
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	args = append(args, s.cfg.ID)
	if err := s.rt.run(r.Context(), args...); err != nil && !strings.Contains(err.Error(), "does not exist") {
		if !force && !s.init.isDone() {
			writeError(w, conflict("%v", err))
			return
		}
		writeError(w, err)
		return
	}
	// A created or force-deleted container exits now: record it first.
	s.init.openGate()
	select {
	case <-s.init.done:
	case <-time.After(5 * time.Second):
	}
	if err := os.RemoveAll(s.dir); err != nil {
		writeError(w, fmt.Errorf("remove state dir %s: %w", s.dir, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	s.exit()
}
