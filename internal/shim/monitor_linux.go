package shim

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"sync"
	"time"

	"github.com/berth/berth/internal/priority"
	"github.com/berth/berth/internal/shimclient"
	"golang.org/x/sys/unix"
)

// monitor is the one process that monitors every container of a monitor
// dir (a daemon's exec root): one wait loop (reaper), one server per
// container, one `berth runtime warm` started ahead of need.
type monitor struct {
	dir    string
	dirFd  *os.File // the monitor dir, to notice its removal
	lock   *os.File // held (flock) for the monitor's life
	exe    string   // this binary, for the warm runtime
	reaper *reaper

	mu       sync.Mutex
	servers  map[*server]struct{}
	adopting int          // adoptions under way
	draining bool         // SIGTERM came: exit once no container is left
	warm     *warmRuntime // for the next container of berth's own runtime
	filling  bool

	subMu sync.Mutex
	subs  map[net.Conn]struct{} // exit event subscribers
}

// orphanCheckEvery is how often the monitor looks for containers nothing
// can reach any more, and for its own dir's removal.
const orphanCheckEvery = 5 * time.Second

// runMonitor is the main of `berth shim monitor --dir D`. It reports on fd
// 3 "ok" once it listens on D/monitor.sock, or "running" when another
// monitor holds D (then it exits), or the error.
func runMonitor(dir string) error {
	// Nothing of the daemon stays with the monitor or reaches the runtime:
	// fd 3 (the readiness pipe) is kept but close-on-exec, others it leaked
	// are closed.
	closeInherited(4)
	cloexecFrom(3)
	ready := os.NewFile(3, "ready")
	// The daemon's priority is above the containers'; the monitor, the
	// runtimes it starts and their containers have theirs.
	if err := priority.Set(priority.Container); err != nil {
		fmt.Fprintf(os.Stderr, "berth shim: lower the CPU priority: %v\n", err)
	}
	report := func(msg string) {
		if ready != nil {
			_, _ = ready.WriteString(msg + "\n")
			ready.Close()
			ready = nil
		}
	}
	m, l, err := listenMonitor(dir)
	if err != nil {
		report("error: " + err.Error())
		return err
	}
	if m == nil {
		report(shimclient.MonitorRunning)
		return nil
	}
	report(shimclient.MonitorReady)
	go m.drainOnSignal()
	go m.fill()
	go m.watchOrphans()
	for {
		c, err := l.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go m.serveAdopt(c)
	}
}

// listenMonitor takes dir's lock and listens on its socket; it returns a
// nil monitor when another monitor holds the lock.
func listenMonitor(dir string) (*monitor, net.Listener, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, nil, err // the exec root is gone: no monitor for it
	}
	lock, err := os.OpenFile(filepath.Join(dir, shimclient.MonitorLock), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	// Orphans (the containers' inits once `<runtime> create` exits, exec'd
	// processes) are reparented to the monitor, which reaps them.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, nil, fmt.Errorf("become subreaper: %w", err)
	}
	m := &monitor{dir: dir, lock: lock, reaper: newReaper(), servers: map[*server]struct{}{}, subs: map[net.Conn]struct{}{}}
	if m.dirFd, err = os.Open(dir); err != nil {
		return nil, nil, err
	}
	m.exe, _ = os.Executable()
	sock := filepath.Join(dir, shimclient.MonitorSocket)
	if len(sock) > maxSunPath {
		sock = fmt.Sprintf("/proc/self/fd/%d/%s", m.dirFd.Fd(), shimclient.MonitorSocket)
	}
	_ = os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", sock, err)
	}
	return m, l, nil
}

// serveAdopt answers one request: a line with the state dir of the
// container to create and monitor, answered by a Ready line; a stats
// request, answered by a MonitorStats line; or a subscription to exit
// events, which keeps the connection.
func (m *monitor) serveAdopt(c net.Conn) {
	var req shimclient.AdoptRequest
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &req)
	}
	if err == nil && req.Events {
		m.subscribe(c)
		return
	}
	defer c.Close()
	if len(line) == 0 {
		return // a client that only checked that the monitor listens
	}
	var reply any
	switch {
	case err != nil:
		reply = shimclient.Ready{Error: fmt.Sprintf("bad adoption request: %v", err)}
	case req.Stats:
		m.mu.Lock()
		reply = shimclient.MonitorStats{Pid: os.Getpid(), Containers: len(m.servers), Goroutines: goruntime.NumGoroutine()}
		m.mu.Unlock()
	default:
		m.mu.Lock()
		m.adopting++
		m.mu.Unlock()
		var rd shimclient.Ready
		if rd.Pid, err = m.adopt(req.StateDir); err != nil {
			rd.Error = err.Error()
		}
		reply = rd
		defer func() {
			m.mu.Lock()
			m.adopting--
			m.mu.Unlock()
			m.exitIfDrained()
		}()
	}
	b, _ := json.Marshal(reply)
	_, _ = c.Write(append(b, '\n'))
}

// subscribe sends c every container's exit from now on, until c fails or
// closes. A first empty line tells the client it is registered.
func (m *monitor) subscribe(c net.Conn) {
	m.subMu.Lock()
	_, err := c.Write([]byte("{}\n"))
	if err == nil {
		m.subs[c] = struct{}{}
	}
	m.subMu.Unlock()
	if err != nil {
		c.Close()
		return
	}
	// The client never writes: a read returns when it goes.
	var b [1]byte
	_, _ = c.Read(b[:])
	m.subMu.Lock()
	delete(m.subs, c)
	m.subMu.Unlock()
	c.Close()
}

// publish sends an exit to the subscribers; one that cannot take it within
// eventTimeout is dropped (it will see its connection end).
func (m *monitor) publish(ev shimclient.ExitEvent) {
	b, _ := json.Marshal(ev)
	b = append(b, '\n')
	m.subMu.Lock()
	defer m.subMu.Unlock()
	for c := range m.subs {
		_ = c.SetWriteDeadline(time.Now().Add(eventTimeout))
		if _, err := c.Write(b); err != nil {
			delete(m.subs, c)
			c.Close()
		}
	}
}

// eventTimeout bounds the wait for a subscriber to take an event.
const eventTimeout = 10 * time.Second

func (m *monitor) add(s *server) {
	m.mu.Lock()
	m.servers[s] = struct{}{}
	m.mu.Unlock()
}

func (m *monitor) remove(s *server) {
	m.mu.Lock()
	delete(m.servers, s)
	m.mu.Unlock()
	m.exitIfDrained()
}

// drainOnSignal makes SIGTERM and SIGINT end the monitor once it serves no
// container, not at once: dying would leave its containers running
// unmonitored (output unread, exits unrecorded) while the daemon, seeing
// their sockets fail, records them as exited. Until then it serves them
// and adopts new ones as before (a running daemon needs a monitor).
// SIGKILL ends it at once: the daemon then records its containers as
// exited and has the runtime kill them.
func (m *monitor) drainOnSignal() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT)
	sig := <-sigs
	fmt.Fprintf(os.Stderr, "berth shim monitor: %v: exiting once no container is left\n", sig)
	m.mu.Lock()
	m.draining = true
	m.mu.Unlock()
	m.exitIfDrained()
}

// exitIfDrained ends a draining monitor that serves no container and has
// no adoption under way.
func (m *monitor) exitIfDrained() {
	m.mu.Lock()
	done := m.draining && len(m.servers) == 0 && m.adopting == 0
	m.mu.Unlock()
	if done {
		m.closeWarm()
		os.Exit(0)
	}
}

// watchOrphans ends the monitoring of containers nothing can reach any
// more (server.checkOrphan), and the monitor itself once its dir is gone
// and it monitors nothing.
func (m *monitor) watchOrphans() {
	t := time.NewTicker(orphanCheckEvery)
	defer t.Stop()
	for range t.C {
		m.mu.Lock()
		servers := make([]*server, 0, len(m.servers))
		for s := range m.servers {
			servers = append(servers, s)
		}
		m.mu.Unlock()
		for _, s := range servers {
			s.checkOrphan()
		}
		var st unix.Stat_t
		if err := unix.Fstat(int(m.dirFd.Fd()), &st); err != nil || st.Nlink > 0 {
			continue
		}
		m.mu.Lock()
		idle := len(m.servers) == 0
		m.mu.Unlock()
		if idle {
			m.closeWarm()
			os.Exit(0)
		}
	}
}

// takeWarm returns the warm runtime if argv (a container's runtime argv
// prefix) is berth's own runtime from this binary, and starts the next one.
func (m *monitor) takeWarm(argv []string) *warmRuntime {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := m.warm
	if w == nil || !w.matches(argv) {
		return nil
	}
	m.warm = nil
	go m.fill()
	return w
}

// fill starts a warm runtime when there is none.
func (m *monitor) fill() {
	m.mu.Lock()
	if m.warm != nil || m.filling || m.exe == "" {
		m.mu.Unlock()
		return
	}
	m.filling = true
	m.mu.Unlock()
	w, err := spawnWarmRuntime(m.exe)
	m.mu.Lock()
	m.filling = false
	if err == nil {
		m.warm = w
	}
	m.mu.Unlock()
}

// closeWarm makes the waiting warm runtime exit (it reads end-of-file).
func (m *monitor) closeWarm() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.warm != nil {
		m.warm.close()
		m.warm = nil
	}
}
