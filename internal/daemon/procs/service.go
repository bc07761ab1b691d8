package procs

import (
	"context"
	"log/slog"
	"strings"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/oci"
	"github.com/berth/berth/internal/shimclient"
)

// Containers is what the service needs of the daemon's containers: find
// one by name, ID or ID prefix, save one, reach the shim of a running one,
// resolve a user in its rootfs (passwd and group files, plus groupAdd) and
// the variables of its legacy links.
type Containers interface {
	container.Records
	Shim(c *container.Container) (*shimclient.Shim, bool)
	User(id, spec string, groupAdd []string) (oci.User, error)
	LinkEnv(c *container.Container) []string
}

// Config is what the daemon hands the service.
type Config struct {
	Log *slog.Logger
	// Background outlives requests: detached execs and health monitors
	// run under it.
	Background context.Context
	// HostCaps is the daemon's bounding set (nil = not restricted): an
	// exec gets no capability outside it.
	HostCaps []string
	// Emit publishes a container event.
	Emit func(action string, c *container.Container, attrs map[string]string)
	// Unhealthy is called when a container's health turns unhealthy,
	// after its health_status event (nil = nothing to do).
	Unhealthy func(c *container.Container)
	// Ready is called, with c locked, when a container becomes ready: as
	// it starts without a health check, else when its health turns
	// healthy, before anyone can see the new status (nil = nothing to do).
	Ready func(c *container.Container)
}

// Service runs the execs, attaches, log reads and health checks of one
// daemon's containers.
type Service struct {
	cfg        Config
	log        *slog.Logger
	containers Containers
	execs      *execStore
	attaches   attachQueue
	health     healthMonitors
}

// New returns the service of the given containers.
func New(cfg Config, containers Containers) *Service {
	return &Service{cfg: cfg, log: cfg.Log, containers: containers, execs: newExecStore()}
}

func (s *Service) emit(action string, c *container.Container, attrs map[string]string) {
	s.cfg.Emit(action, c, attrs)
}

func joinArgs(a []string) string { return strings.Join(a, " ") }
