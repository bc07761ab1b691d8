package shim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/berth/berth/internal/logger"
	"github.com/berth/berth/internal/shimclient"
	"github.com/moby/sys/atomicwriter"
)

// maxSunPath is the longest unix socket path the kernel accepts.
const maxSunPath = 107

// server is the state of one container inside the monitor: its runtime,
// processes, stdio, log and exit recording, served on its state dir's
// socket.
type server struct {
	m      *monitor
	cfg    shimclient.Config
	dir    string
	rt     *runtime
	reaper *reaper
	log    logger.Driver // nil: no log
	dirFd  *os.File      // the state dir, kept open for /proc/<pid>/fd/<n> paths
	srv    *http.Server

	oomFile string // OOM kill counter of the container's memory cgroup
	oomBase int    // its value before the process ran

	mu      sync.Mutex
	init    *proc
	status  string
	execs   map[string]*proc
	nextTmp int // names exec files in the state dir

	closeOnce sync.Once
}

// exit stops serving the container (once): its socket, its state dir's
// descriptor, its place in the monitor. It returns at once; the requests
// under way (the Delete that asked for it) finish first.
func (s *server) exit() {
	s.closeOnce.Do(func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = s.srv.Shutdown(ctx)
			_ = s.srv.Close()
			s.dirFd.Close()
			s.m.remove(s)
		}()
	})
}

// checkOrphan ends the monitoring of a container that nothing can reach any
// more: it has exited and its state dir (socket, config, exit record) was
// removed from under the monitor, so no daemon can ever connect to collect
// the exit or delete it (a daemon killed and its exec root removed, say).
// It deletes the container from the runtime first, as Delete would. A
// container that still runs stays supervised.
func (s *server) checkOrphan() {
	// Stat, not Fstat of Fd(): exit may close dirFd meanwhile.
	fi, err := s.dirFd.Stat()
	if err != nil || fi.Sys().(*syscall.Stat_t).Nlink > 0 || !s.init.isDone() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	rt := *s.rt
	rt.dir = "/" // the state dir is gone
	_ = rt.run(ctx, "delete", "--force", s.cfg.ID)
	cancel()
	s.exit()
}

// adopt starts monitoring the container whose state dir is dir: it creates
// the container with the runtime, serves the protocol on dir's socket and
// returns the init's pid.
func (m *monitor) adopt(dir string) (int, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return 0, err
	}
	var cfg shimclient.Config
	b, err := os.ReadFile(filepath.Join(dir, shimclient.ConfigFile))
	if err != nil {
		return 0, fmt.Errorf("read shim config: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return 0, fmt.Errorf("decode shim config: %w", err)
	}
	s := &server{m: m, cfg: cfg, dir: dir, reaper: m.reaper, execs: map[string]*proc{}}
	if s.rt, err = newRuntime(cfg.Runtime, cfg.ID, dir, s.reaper); err != nil {
		return 0, err
	}
	if s.dirFd, err = os.Open(dir); err != nil {
		return 0, fmt.Errorf("open state dir: %w", err)
	}
	listen, _ := s.sockName(shimclient.SocketFile)
	_ = os.Remove(listen)
	l, err := net.Listen("unix", listen)
	if err != nil {
		s.dirFd.Close()
		return 0, fmt.Errorf("listen on %s: %w", listen, err)
	}
	argv := s.rt.argv
	s.rt.warm = func() *warmRuntime { return m.takeWarm(argv) }
	if err := s.create(); err != nil {
		l.Close()
		s.dirFd.Close()
		return 0, err
	}
	s.srv = &http.Server{Handler: s.routes()}
	m.add(s)
	go s.srv.Serve(l)
	return s.init.pid, nil
}

// sockName returns the name to listen on for a socket of the state dir and
// the path another process dials: the absolute path when it fits in a
// sockaddr, else /proc/<pid>/fd/<state dir fd>/name, which is always short.
func (s *server) sockName(name string) (listen, dial string) {
	if p := filepath.Join(s.dir, name); len(p) <= maxSunPath {
		return p, p
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", s.dirFd.Fd(), name), fmt.Sprintf("/proc/%d/fd/%d/%s", os.Getpid(), s.dirFd.Fd(), name)
}

// create runs `<runtime> create` and starts monitoring the init.
func (s *server) create() error {
	cfg := s.cfg
	p := newProc("")
	p.stdinOnce = cfg.StdinOnce
	if cfg.RunOnCreate {
		p.gate = make(chan struct{})
	}
	p.holding = true // until Start: nothing runs yet, and a failure's text stays out of the log
	p.waitFull = true
	lg, err := openLog(cfg)
	if err != nil {
		return err
	}
	if lg != nil {
		s.log = lg
		sink := func(m logger.Message) { _ = lg.Append(m) }
		p.logFile = lg
		p.log = map[int]*logger.LineWriter{
			shimclient.StreamStdout: logger.NewLineWriter(logger.Stdout, sink),
			shimclient.StreamStderr: logger.NewLineWriter(logger.Stderr, sink),
		}
	}
	verb := []string{"create"}
	if cfg.RunOnCreate {
		verb = []string{"run", "--detach"}
	}
	args := append(verb, "--bundle", cfg.Bundle, "--pid-file", filepath.Join(s.dir, shimclient.PidFile))
	pid, err := s.startProcess(p, args, cfg.Terminal, cfg.OpenStdin)
	if err != nil {
		if s.log != nil {
			s.log.Close()
		}
		// A runtime that crashed or hung half-way may have left the
		// container (its init waiting, its cgroup, its state): without a
		// delete, the next start of the same id would fail.
		_ = s.rt.run(context.Background(), "delete", "--force", cfg.ID)
		return err
	}
	// Whatever came out so far is the runtime's (warnings): the container's
	// process waits for start before it runs.
	if !cfg.RunOnCreate {
		p.outMu.Lock()
		p.held, p.heldN = nil, 0
		p.outMu.Unlock()
	}
	p.pid = pid
	s.init = p
	s.status = shimclient.StatusCreated
	s.oomFile = oomCounterOf(cfg.Bundle, pid)
	if !cfg.RunOnCreate {
		// A container run at once may be OOM-killed before this read:
		// its cgroup is its own and new, so its base is 0.
		s.oomBase = oomKills(s.oomFile)
	}
	s.watch(p, s.recordExit)
	return nil
}

// openLog opens the container's log driver: the one Log names, or a
// json-file log at LogPath; nil when the container keeps no log.
func openLog(cfg shimclient.Config) (logger.Driver, error) {
	if len(cfg.Log) > 0 {
		var lc logger.Config
		if err := json.Unmarshal(cfg.Log, &lc); err != nil {
			return nil, fmt.Errorf("decode log config: %w", err)
		}
		return logger.New(lc)
	}
	if cfg.LogPath == "" {
		return nil, nil
	}
	f, err := logger.NewJSONFile(cfg.LogPath, cfg.LogMaxSize, cfg.LogMaxFiles)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// startProcess runs a runtime verb (create or exec) that starts a process
// with p's stdio, and returns the process's pid from the verb's pid file
// (the last two arguments before the id are --pid-file F). On failure the
// error is the runtime's own message.
func (s *server) startProcess(p *proc, args []string, terminal, openStdin bool) (int, error) {
	pidFile := args[len(args)-1]
	var stdio [3]*os.File
	var cs *consoleSocket
	var capture *os.File // the runtime's stderr in terminal mode
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer devnull.Close()
	if terminal {
		s.mu.Lock()
		s.nextTmp++
		name := "c" + strconv.Itoa(s.nextTmp) + ".sock"
		s.mu.Unlock()
		if cs, err = listenConsole(s.sockName(name)); err != nil {
			return 0, err
		}
		defer cs.close()
		args = append(args, "--console-socket", cs.path)
		r, w, err := os.Pipe()
		if err != nil {
			return 0, err
		}
		defer r.Close()
		capture = r
		p.theirs = []*os.File{w}
		stdio = [3]*os.File{devnull, w, w}
	} else {
		if stdio, err = p.setupPipes(openStdin); err != nil {
			return 0, err
		}
		p.startPumps()
	}
	args = append(args, s.cfg.ID)
	pid, exited, err := s.rt.spawn(args, stdio)
	p.closeTheirs()
	if err != nil {
		p.closeStdin()
		return 0, err
	}
	ws, werr := waitVerb(context.Background(), args[0], pid, exited)
	if err := status(ws); werr != nil || err != nil {
		var text string
		if terminal {
			_ = capture.SetReadDeadline(time.Now().Add(drainTimeout))
			b := make([]byte, 64<<10)
			n, _ := readFull(capture, b)
			text = string(b[:n])
		} else {
			select {
			case <-p.outDone:
			case <-time.After(drainTimeout):
			}
			text = p.heldText()
			p.closeStdin()
			for _, f := range []*os.File{p.stdout, p.stderr} {
				f.Close()
			}
		}
		if werr != nil {
			return 0, werr
		}
		return 0, runtimeError(args[0], text, err)
	}
	if terminal {
		con, err := cs.wait()
		if err != nil {
			return 0, err
		}
		p.console = con
		p.startPumps()
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, fmt.Errorf("read pid file of %s: %w", args[0], err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad pid file %s: %q", pidFile, b)
	}
	return n, nil
}

// readFull reads until b is full, EOF or an error.
func readFull(f *os.File, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := f.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// watch has p's exit handled when it comes.
func (s *server) watch(p *proc, onExit func(*shimclient.Exit)) {
	s.reaper.onExit(p.pid, func(ws syscall.WaitStatus) {
		p.exited(ws, onExit)
		if p == s.init {
			s.m.publish(shimclient.ExitEvent{StateDir: s.dir, Exit: p.exit})
		}
	})
}

// recordExit writes the init's exit status to exit.json (temp file, fsync,
// rename), so that it survives the shim.
func (s *server) recordExit(e *shimclient.Exit) {
	e.OOMKilled = oomKills(s.oomFile) > s.oomBase
	s.mu.Lock()
	s.status = shimclient.StatusStopped
	s.mu.Unlock()
	if s.log != nil {
		s.log.Close()
	}
	b, _ := json.Marshal(e)
	if err := atomicwriter.WriteFile(filepath.Join(s.dir, shimclient.ExitFile), b, 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "berth shim: record exit of %s: %v\n", s.cfg.ID, err)
	}
}

// kill signals p directly; the reaper guarantees the pid is still p's.
func (s *server) kill(p *proc, sig syscall.Signal) error {
	if err := s.reaper.kill(p.pid, sig); err != nil {
		if errors.Is(err, errNotRunning) {
			return err
		}
		return fmt.Errorf("kill %d: %w", p.pid, err)
	}
	return nil
}

var errNotRunning = errors.New("not running")
