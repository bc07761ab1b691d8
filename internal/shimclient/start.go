package shimclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/berth/berth/internal/errdefs"
)

// start writes the config and asks the monitor of cfg.MonitorDir (started
// if absent) to adopt the container; the monitor creates it and answers
// its readiness line.
func start(ctx context.Context, cfg Config) (*Shim, error) {
	if cfg.ID == "" || cfg.Bundle == "" || cfg.StateDir == "" || len(cfg.Runtime) == 0 {
		return nil, errdefs.InvalidParameter(errors.New("start shim: id, bundle, state dir and runtime are required"))
	}
	if cfg.MonitorDir == "" {
		cfg.MonitorDir = filepath.Dir(cfg.StateDir)
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create shim state dir %s: %w", cfg.StateDir, err)
	}
	fail := func(err error) (*Shim, error) {
		_ = os.RemoveAll(cfg.StateDir)
		return nil, err
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return fail(fmt.Errorf("encode shim config: %w", err))
	}
	if err := os.WriteFile(filepath.Join(cfg.StateDir, ConfigFile), b, 0o600); err != nil {
		return fail(fmt.Errorf("write shim config: %w", err))
	}
	c, err := dialMonitor(ctx, cfg.Binary, cfg.MonitorDir)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()
	req, _ := json.Marshal(AdoptRequest{StateDir: cfg.StateDir})
	var line []byte
	if _, err = c.Write(append(req, '\n')); err == nil {
		line, err = bufio.NewReader(c).ReadBytes('\n')
	}
	if ctx.Err() != nil {
		// The monitor goes on creating; ask it to clean up after itself.
		if sh, cerr := connect(context.Background(), cfg.StateDir); cerr == nil {
			_ = sh.delete(context.Background(), true)
		}
		return fail(ctx.Err())
	}
	var rd Ready
	if err == nil {
		err = json.Unmarshal(line, &rd)
	}
	if err != nil {
		return fail(fmt.Errorf("monitor of %s: %v: %s", cfg.ID, err, strings.TrimSpace(tail(filepath.Join(cfg.MonitorDir, MonitorLog)))))
	}
	if rd.Error != "" {
		return fail(errors.New(rd.Error))
	}
	return &Shim{StateDir: cfg.StateDir, id: cfg.ID, cfg: cfg, pid: rd.Pid, conn: newConn(cfg.StateDir)}, nil
}

// monitorMu serializes the starts of monitors by this process.
var monitorMu sync.Mutex

// dialMonitor connects to the monitor of dir, started first (from the
// berth binary bin, "" for this one) if none listens.
func dialMonitor(ctx context.Context, bin, dir string) (net.Conn, error) {
	sock := filepath.Join(dir, MonitorSocket)
	if c, err := dialUnix(ctx, sock); err == nil {
		return c, nil
	}
	monitorMu.Lock()
	defer monitorMu.Unlock()
	if c, err := dialUnix(ctx, sock); err == nil {
		return c, nil
	}
	if err := startMonitor(bin, dir); err != nil {
		return nil, err
	}
	// "running": another process's monitor took the dir; it listens soon.
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var c net.Conn
		if c, err = dialUnix(ctx, sock); err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return c, err
		}
	}
}

// EnsureMonitor starts the monitor of dir if none runs, so that the first
// container does not wait for it.
func EnsureMonitor(ctx context.Context, bin, dir string) error {
	c, err := dialMonitor(ctx, bin, dir)
	if err != nil {
		return err
	}
	return c.Close()
}

// startMonitor starts `berth shim monitor --dir dir` detached and waits for
// its readiness line.
func startMonitor(bin, dir string) error {
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return fmt.Errorf("start monitor: find own binary: %w", err)
		}
	}
	// Only the monitor's own dir is made: a monitor started for an exec
	// root that is gone (its daemon stopped meanwhile) must not bring the
	// root back and outlive it.
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create monitor dir %s: %w", dir, err)
	}
	logf, err := os.OpenFile(filepath.Join(dir, MonitorLog), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open monitor log: %w", err)
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("create monitor ready pipe: %w", err)
	}
	defer r.Close()
	err = spawnMonitor(bin, dir, logf, w)
	w.Close()
	if err != nil {
		return err
	}
	_ = r.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, _ := io.ReadAll(r)
	switch msg := strings.TrimSpace(string(line)); msg {
	case MonitorReady, MonitorRunning:
		return nil
	case "":
		return fmt.Errorf("monitor of %s exited: %s", dir, strings.TrimSpace(tail(filepath.Join(dir, MonitorLog))))
	default:
		return fmt.Errorf("monitor of %s: %s", dir, msg)
	}
}

// tail returns the last bytes of a file, for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return string(b)
}

// connect reconnects to a shim through its state dir.
func connect(ctx context.Context, stateDir string) (*Shim, error) {
	var cfg Config
	b, err := os.ReadFile(filepath.Join(stateDir, ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.NotFound(fmt.Errorf("connect to shim: no shim state in %s", stateDir))
	}
	if err != nil {
		return nil, fmt.Errorf("connect to shim: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, fmt.Errorf("connect to shim: decode %s: %w", ConfigFile, err)
	}
	s := &Shim{StateDir: stateDir, id: cfg.ID, cfg: cfg, conn: newConn(stateDir)}
	st, err := s.State(ctx)
	if err == nil {
		s.pid = st.Pid
		return s, nil
	}
	if !errors.Is(err, errdefs.ErrUnavailable) {
		return nil, err
	}
	// The shim is gone. If it recorded the exit, the handle answers from disk.
	e, rerr := readExit(stateDir)
	if rerr != nil {
		return nil, errdefs.NotFound(fmt.Errorf("connect to shim of %s: shim gone and no exit recorded: %w", cfg.ID, err))
	}
	s.dead = &e
	if pb, err := os.ReadFile(filepath.Join(stateDir, PidFile)); err == nil {
		fmt.Sscan(string(pb), &s.pid)
	}
	return s, nil
}

// delete asks the shim to delete the container and exit; a dead shim's
// container is deleted with the runtime directly.
func (s *Shim) delete(ctx context.Context, force bool) error {
	if s.dead != nil {
		args := append(append([]string{}, s.cfg.Runtime...), "delete", "--force", s.id)
		out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "does not exist") && !strings.Contains(string(out), "not exist") {
			return fmt.Errorf("delete container %s: %s: %w", s.id, strings.TrimSpace(string(out)), err)
		}
		if err := os.RemoveAll(s.StateDir); err != nil {
			return fmt.Errorf("remove shim state %s: %w", s.StateDir, err)
		}
		return nil
	}
	q := map[string][]string{}
	if force {
		q["force"] = []string{"1"}
	}
	err := s.call(ctx, "POST", "/delete", q, nil, nil)
	s.Close()
	return err
}

// Stats asks the monitor of dir (which must run) about itself.
func Stats(ctx context.Context, dir string) (MonitorStats, error) {
	var st MonitorStats
	c, err := dialUnix(ctx, filepath.Join(dir, MonitorSocket))
	if err != nil {
		return st, errdefs.Unavailable(fmt.Errorf("monitor of %s: %w", dir, err))
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	req, _ := json.Marshal(AdoptRequest{Stats: true})
	if _, err := c.Write(append(req, '\n')); err != nil {
		return st, err
	}
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		return st, fmt.Errorf("monitor of %s: %w", dir, err)
	}
	return st, json.Unmarshal(line, &st)
}
