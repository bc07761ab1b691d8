package container

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docker/go-units"
	containertypes "github.com/moby/moby/api/types/container"

	"github.com/berth/berth/internal/errdefs"
)

// Status values, as Docker's API spells them.
const (
	StatusCreated    = "created"
	StatusRunning    = "running"
	StatusPaused     = "paused"
	StatusRestarting = "restarting"
	StatusRemoving   = "removing"
	StatusExited     = "exited"
	StatusDead       = "dead"
)

// State is the persisted run state of a container.
type State struct {
	Status     string
	Pid        int
	ExitCode   int
	Error      string
	OOMKilled  bool
	StartedAt  time.Time
	FinishedAt time.Time
	// HasBeenStarted tells "created" from "exited" after a failed start.
	HasBeenStarted bool
	// ShimDir is the state dir of the shim of the running process.
	ShimDir string `json:",omitempty"`
	// Health is the healthcheck state of a container with a healthcheck
	// (nil otherwise); after a stop it keeps the last results, as Docker's.
	Health *containertypes.Health `json:",omitempty"`
}

// Running reports whether the process is alive (running or paused).
func (s *State) Running() bool {
	return s.Status == StatusRunning || s.Status == StatusPaused || s.Status == StatusRestarting
}

// SetStarting checks that the container can start. The caller holds the lock.
func (c *Container) SetStarting() error {
	switch c.State.Status {
	case StatusRunning, StatusRestarting:
		return nil // starting a running container is a no-op for Docker
	case StatusPaused:
		return errdefs.Conflict(fmt.Errorf("cannot start a paused container, try unpause instead"))
	case StatusRemoving:
		return errdefs.Conflict(fmt.Errorf("container %s is marked for removal and cannot be started", c.ID))
	case StatusDead:
		return errdefs.Conflict(fmt.Errorf("container %s is marked for removal and cannot be started", c.ID))
	}
	return nil
}

// SetRunning records a started process. The caller holds the lock.
func (c *Container) SetRunning(pid int, shimDir string) {
	c.State.Status = StatusRunning
	c.State.Pid = pid
	c.State.ExitCode = 0
	c.State.Error = ""
	c.State.OOMKilled = false
	c.State.StartedAt = time.Now().UTC()
	c.State.HasBeenStarted = true
	c.State.ShimDir = shimDir
	c.stopped = make(chan struct{})
}

// SetStopped records the end of the process and wakes waiters. The caller
// holds the lock.
func (c *Container) SetStopped(code int, oom bool, at time.Time) {
	c.State.Status = StatusExited
	c.State.Pid = 0
	c.State.ExitCode = code
	c.State.OOMKilled = oom
	if at.IsZero() {
		at = time.Now()
	}
	c.State.FinishedAt = at.UTC()
	c.State.ShimDir = ""
	c.wakeStopped()
	if c.nextExit != nil {
		close(c.nextExit)
		c.nextExit = nil
	}
}

func (c *Container) wakeStopped() {
	select {
	case <-c.stopped:
	default:
		close(c.stopped)
	}
}

// NextExitChan returns a channel closed at the next stop of the process,
// even if it is not running now; a failed start is no exit (as in dockerd,
// whose `docker run` would otherwise report the start error twice). The
// caller holds the lock.
func (c *Container) NextExitChan() <-chan struct{} {
	if c.nextExit == nil {
		c.nextExit = make(chan struct{})
	}
	return c.nextExit
}

// StartErrorCode maps a runtime's start error to the exit code Docker
// records: 127 for a missing executable, 126 for one that cannot run, 128
// otherwise.
func StartErrorCode(msg string) int {
	switch {
	case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"):
		return 127
	case strings.Contains(msg, "permission denied"), strings.Contains(msg, "exec format error"):
		return 126
	}
	return 128
}

// SetStartError records a failed start: Docker shows such a container as
// "created" (never started) or "exited" with code 127/126/128 and the error.
func (c *Container) SetStartError(code int, msg string) {
	c.State.Error = msg
	c.State.ExitCode = code
	if c.State.HasBeenStarted {
		c.State.Status = StatusExited
	} else {
		c.State.Status = StatusCreated
	}
	c.State.Pid = 0
	c.State.ShimDir = ""
	c.State.FinishedAt = time.Now().UTC()
	c.wakeStopped()
}

// SetPaused marks the container paused or running again.
func (c *Container) SetPaused(p bool) {
	if p {
		c.State.Status = StatusPaused
	} else {
		c.State.Status = StatusRunning
	}
}

// SetRemoving marks the container for removal; it fails if it is already so.
func (c *Container) SetRemoving() error {
	if c.State.Status == StatusRemoving {
		return errdefs.Conflict(fmt.Errorf("removal of container %s is already in progress", c.ID))
	}
	c.State.Status = StatusRemoving
	return nil
}

// SetRemoved wakes waiters for removal. The caller holds the lock.
func (c *Container) SetRemoved() {
	select {
	case <-c.removed:
	default:
		close(c.removed)
	}
}

// StoppedChan returns a channel closed once the current process stops (closed
// already when nothing runs). The caller holds the lock.
func (c *Container) StoppedChan() <-chan struct{} { return c.stopped }

// RemovedChan returns a channel closed once the container is removed.
func (c *Container) RemovedChan() <-chan struct{} { return c.removed }

// WaitStopped blocks until the current process has stopped or ctx ends.
func (c *Container) WaitStopped(ctx context.Context) (int, error) {
	c.Lock()
	ch := c.stopped
	c.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	c.Lock()
	defer c.Unlock()
	return c.State.ExitCode, nil
}

// StatusString is the human status column of `docker ps`: "Up 3 minutes",
// "Exited (0) 2 seconds ago", "Created".
func (c *Container) StatusString(now time.Time) string {
	s := &c.State
	switch s.Status {
	case StatusRunning:
		up := "Up " + units.HumanDuration(now.Sub(s.StartedAt))
		if s.Health != nil {
			switch s.Health.Status {
			case containertypes.Starting:
				up += " (health: starting)"
			case containertypes.Healthy, containertypes.Unhealthy:
				up += " (" + string(s.Health.Status) + ")"
			}
		}
		return up
	case StatusPaused:
		return "Up " + units.HumanDuration(now.Sub(s.StartedAt)) + " (Paused)"
	case StatusRestarting:
		return fmt.Sprintf("Restarting (%d) %s ago", s.ExitCode, units.HumanDuration(now.Sub(s.FinishedAt)))
	case StatusRemoving:
		return "Removal In Progress"
	case StatusDead:
		return "Dead"
	case StatusExited:
		if s.FinishedAt.IsZero() {
			return fmt.Sprintf("Exited (%d)", s.ExitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", s.ExitCode, units.HumanDuration(now.Sub(s.FinishedAt)))
	}
	return "Created"
}

// MarkRunning re-arms the stop channel of a container found running after a
// daemon restart. The caller holds the lock.
func (c *Container) MarkRunning() {
	select {
	case <-c.stopped:
		c.stopped = make(chan struct{})
	default:
	}
}
