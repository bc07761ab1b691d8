package files

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/snapshot"
)

// Container is what the service knows of one container.
type Container struct {
	ID string
	// Layer is the snapshot key of its writable layer.
	Layer string
	// Rootfs is its mounted root filesystem while it runs, else "".
	Rootfs string
	// Dir holds the name files the engine bind-mounts into it
	// (hostname, hosts, resolv.conf).
	Dir string
	// Binds are its volumes and bind mounts, as host directories and
	// their places in the container.
	Binds []mount.Bind
}

// Containers is all the service needs of the containers.
type Containers interface {
	// Container finds a container by name, ID or ID prefix.
	Container(name string) (Container, error)
	// LogContainerEvent records an event (action "export") of container id.
	LogContainerEvent(id, action string)
}

// Config is what the daemon hands the service.
type Config struct {
	Snapshotter snapshot.Snapshotter
	Containers  Containers
	Log         *slog.Logger
	// PanicPoint is the daemon's test panic point, called with
	// "archive-panic" in the goroutine that writes a copy's tar.
	PanicPoint func(name string)
}

// Service gives access to the files of containers.
type Service struct {
	snapshotter snapshot.Snapshotter
	containers  Containers
	log         *slog.Logger
	panicPoint  func(string)
}

// New returns the service over cfg.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.PanicPoint == nil {
		cfg.PanicPoint = func(string) {}
	}
	return &Service{snapshotter: cfg.Snapshotter, containers: cfg.Containers, log: cfg.Log, panicPoint: cfg.PanicPoint}
}

// withRootfs runs fn with the container's merged rootfs: the mounted one of
// a running container, else a temporary mount of its layers.
func (s *Service) withRootfs(ctx context.Context, c Container, fn func(root string) error) error {
	if c.Rootfs != "" {
		return fn(c.Rootfs)
	}
	ms, err := s.snapshotter.Mounts(ctx, c.Layer)
	if err != nil {
		return fmt.Errorf("mounts of container %s: %w", c.ID, err)
	}
	return mount.WithTempMount(ms, fn)
}
