package procs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/shimclient"
)

// Healthcheck defaults, as Docker's.
const (
	defaultProbeInterval      = 30 * time.Second
	defaultProbeTimeout       = 30 * time.Second
	defaultProbeStartInterval = 5 * time.Second
	defaultProbeRetries       = 3
	maxHealthLog              = 5
	maxProbeOutput            = 4096
)

// healthMonitors holds the cancel functions of running health monitors.
type healthMonitors struct {
	mu sync.Mutex
	m  map[string]context.CancelFunc
}

func (h *healthMonitors) set(id string, cancel context.CancelFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string]context.CancelFunc{}
	}
	if old, ok := h.m[id]; ok {
		old()
	}
	h.m[id] = cancel
}

func (h *healthMonitors) stop(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cancel, ok := h.m[id]; ok {
		cancel()
		delete(h.m, id)
	}
}

// healthConfig returns the container's healthcheck with Docker's defaults,
// or nil when it has none (or NONE).
func healthConfig(c *container.Container) *containertypes.HealthConfig {
	hc := c.Config.Healthcheck
	if hc == nil || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
		return nil
	}
	out := *hc
	if out.Interval == 0 {
		out.Interval = defaultProbeInterval
	}
	if out.Timeout == 0 {
		out.Timeout = defaultProbeTimeout
	}
	if out.StartInterval == 0 {
		out.StartInterval = defaultProbeStartInterval
	}
	if out.Retries == 0 {
		out.Retries = defaultProbeRetries
	}
	return &out
}

// StartHealth starts the health monitor of a running container; one
// without a health check is ready at once (Config.Ready). The caller
// holds c's lock.
func (s *Service) StartHealth(c *container.Container, sh *shimclient.Shim) {
	cfg := healthConfig(c)
	if cfg == nil {
		if s.cfg.Ready != nil {
			s.cfg.Ready(c)
		}
		return
	}
	if c.State.Health == nil {
		c.State.Health = &containertypes.Health{Status: containertypes.Starting, Log: []*containertypes.HealthcheckResult{}}
	}
	ctx, cancel := context.WithCancel(s.cfg.Background)
	s.health.set(c.ID, cancel)
	started := c.State.StartedAt
	recovery.Go(s.log, "health check of "+c.ID, func() {
		for {
			wait := cfg.Interval
			c.Lock()
			if c.State.Health != nil && c.State.Health.Status == containertypes.Starting && time.Since(started) < cfg.StartPeriod {
				wait = cfg.StartInterval
			}
			c.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			res := s.probe(ctx, c, sh, cfg)
			if ctx.Err() != nil {
				return
			}
			s.recordProbe(c, cfg, res, started)
		}
	}, nil)
}

// StopHealth stops the health monitor of a container that stopped.
func (s *Service) StopHealth(id string) { s.health.stop(id) }

// probe runs the healthcheck command in the container once.
func (s *Service) probe(ctx context.Context, c *container.Container, sh *shimclient.Shim, cfg *containertypes.HealthConfig) *containertypes.HealthcheckResult {
	res := &containertypes.HealthcheckResult{Start: time.Now()}
	var args []string
	switch cfg.Test[0] {
	case "CMD":
		args = cfg.Test[1:]
	case "CMD-SHELL":
		shell := c.Config.Shell
		if len(shell) == 0 {
			shell = []string{"/bin/sh", "-c"}
		}
		args = append(append([]string{}, shell...), joinArgs(cfg.Test[1:]))
	default:
		res.ExitCode, res.Output, res.End = -1, fmt.Sprintf("unknown healthcheck type %q", cfg.Test[0]), time.Now()
		return res
	}
	var out limitedBuffer
	code, err := s.runSync(ctx, c, sh, "health-", args, cfg.Timeout, &out, &out)
	res.End = time.Now()
	res.ExitCode, res.Output = code, out.String()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		res.ExitCode, res.Output = -1, fmt.Sprintf("Health check exceeded timeout (%v)", cfg.Timeout)
	case err != nil:
		res.ExitCode, res.Output = -1, err.Error()
	}
	return res
}

// runSync runs args in c as an exec whose ID starts with prefix, its
// output copied to stdout and stderr, and waits for it at most timeout
// (0 = no limit): a process still running then, or when ctx ends, is
// killed and the error is context.DeadlineExceeded. It returns the exit
// code.
func (s *Service) runSync(ctx context.Context, c *container.Container, sh *shimclient.Shim, prefix string, args []string, timeout time.Duration, stdout, stderr io.Writer) (int, error) {
	proc, err := s.execProcess(c, containertypes.ExecCreateRequest{Cmd: args})
	if err != nil {
		return -1, err
	}
	p, err := sh.Exec(ctx, shimclient.ExecConfig{ExecID: prefix + container.GenerateID()[:16], Process: *proc})
	if err != nil {
		return -1, err
	}
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		pctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	_ = p.Attach(pctx, shimclient.Streams{Stdout: stdout, Stderr: stderr})
	ex, err := p.Wait(pctx)
	if pctx.Err() != nil {
		// Past the timeout, or the caller gone (a CRI client's deadline
		// is the timeout too): the process does not outlive the wait.
		// It is gone when this returns (reaped, or 5s passed).
		kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if p.Kill(kctx, syscall.SIGKILL) == nil {
			_, _ = p.Wait(kctx)
		}
		return -1, context.DeadlineExceeded
	}
	if err != nil {
		return -1, err
	}
	return ex.Code, nil
}

// ExecSync runs args in the running container name and returns its output
// and exit code once it exits, within timeout (0 = no limit): the CRI's
// ExecSync.
func (s *Service) ExecSync(ctx context.Context, name string, args []string, timeout time.Duration) (stdout, stderr []byte, code int, err error) {
	c, err := s.containers.Get(name)
	if err != nil {
		return nil, nil, -1, err
	}
	sh, ok := s.containers.Shim(c)
	if !ok {
		return nil, nil, -1, container.ErrNotRunning(c.ID)
	}
	var out, errOut bytes.Buffer
	code, err = s.runSync(ctx, c, sh, "sync-", args, timeout, &out, &errOut)
	return out.Bytes(), errOut.Bytes(), code, err
}

// recordProbe applies one probe result to the container's health.
func (s *Service) recordProbe(c *container.Container, cfg *containertypes.HealthConfig, res *containertypes.HealthcheckResult, started time.Time) {
	c.Lock()
	h := c.State.Health
	if h == nil || !c.State.Running() {
		c.Unlock()
		return
	}
	old := h.Status
	h.Log = append(h.Log, res)
	if len(h.Log) > maxHealthLog {
		h.Log = h.Log[len(h.Log)-maxHealthLog:]
	}
	if res.ExitCode == 0 {
		h.FailingStreak = 0
		h.Status = containertypes.Healthy
	} else if !(h.Status == containertypes.Starting && time.Since(started) < cfg.StartPeriod) {
		h.FailingStreak++
		if h.FailingStreak >= cfg.Retries {
			h.Status = containertypes.Unhealthy
		}
	}
	changed := h.Status != old
	status := h.Status
	if changed && status == containertypes.Healthy && s.cfg.Ready != nil {
		s.cfg.Ready(c)
	}
	_ = s.containers.Save(c)
	c.Unlock()
	if changed {
		s.emit("health_status: "+string(status), c, nil)
	}
	if changed && status == containertypes.Unhealthy && s.cfg.Unhealthy != nil {
		s.cfg.Unhealthy(c)
	}
}

// limitedBuffer keeps the first maxProbeOutput bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := maxProbeOutput - l.buf.Len(); room > 0 {
		if len(p) > room {
			l.buf.Write(p[:room])
		} else {
			l.buf.Write(p)
		}
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
