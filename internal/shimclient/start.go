package shimclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/recovery"
)

// start writes the config, starts the shim detached (spawnShim) and waits
// for its readiness line.
func start(ctx context.Context, cfg Config) (*Shim, error) {
	if cfg.ID == "" || cfg.Bundle == "" || cfg.StateDir == "" || len(cfg.Runtime) == 0 {
		return nil, errdefs.InvalidParameter(errors.New("start shim: id, bundle, state dir and runtime are required"))
	}
	bin := cfg.Binary
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("start shim: find own binary: %w", err)
		}
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
	logf, err := os.OpenFile(filepath.Join(cfg.StateDir, LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fail(fmt.Errorf("open shim log: %w", err))
	}
	defer logf.Close()
	var r *os.File
	if ws := cfg.Pool.take(bin); ws != nil {
		// A warm shim takes the container: it reads the config from the
		// state dir as a fresh one would. The pool starts the next one
		// once this start is over.
		defer recovery.Go(nil, "refill shim pool", cfg.Pool.refill, nil)
		if _, err := ws.assign.Write([]byte(cfg.StateDir + "\n")); err == nil {
			ws.assign.Close()
			r = ws.ready
		} else {
			ws.close() // it died: start one the ordinary way
		}
	}
	if r == nil {
		var w *os.File
		r, w, err = os.Pipe()
		if err != nil {
			return fail(fmt.Errorf("create shim ready pipe: %w", err))
		}
		err = spawnShim(bin, cfg.StateDir, logf, w)
		w.Close()
		if err != nil {
			r.Close()
			return fail(fmt.Errorf("spawn shim for %s: %w", cfg.ID, err))
		}
	}
	defer r.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = r.SetReadDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = r.SetReadDeadline(time.Now()) })
	defer stop()
	line, err := io.ReadAll(r)
	if err != nil && ctx.Err() == nil {
		return fail(fmt.Errorf("wait for shim of %s: %w", cfg.ID, err))
	}
	if ctx.Err() != nil {
		// The shim goes on creating; ask it to clean up after itself.
		if sh, cerr := connect(context.Background(), cfg.StateDir); cerr == nil {
			_ = sh.delete(context.Background(), true)
		}
		return fail(ctx.Err())
	}
	var rd Ready
	if err := json.Unmarshal(line, &rd); err != nil {
		msg := strings.TrimSpace(tail(filepath.Join(cfg.StateDir, LogFile)))
		if msg == "" {
			msg = "no readiness reply"
		}
		return fail(fmt.Errorf("shim of %s exited: %s", cfg.ID, msg))
	}
	if rd.Error != "" {
		return fail(errors.New(rd.Error))
	}
	return &Shim{StateDir: cfg.StateDir, id: cfg.ID, cfg: cfg, pid: rd.Pid, conn: newConn(cfg.StateDir)}, nil
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
