package images

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"

	"github.com/berth/berth/internal/content"
	"github.com/berth/berth/internal/distribution"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/snapshot"
)

// Containers is all the image service knows of containers.
type Containers interface {
	// CountByImage returns how many containers, running or not, were
	// created from each image ID ("sha256:…").
	CountByImage() map[string]int
}

// Config locates the image service's state.
type Config struct {
	// Root is the data root: the service keeps <Root>/snapshots,
	// <Root>/content, <Root>/image and, unless Registry.Root says
	// otherwise, <Root>/distribution.
	Root string
	// Registry configures pulls and pushes.
	Registry distribution.Config
	// Version is the engine version sent in the registry User-Agent.
	Version string
	Log     *slog.Logger
	// Emit publishes an image event: its action, the actor's ID and
	// attributes (nil = none).
	Emit func(action, id string, attrs map[string]string)
}

// Service holds the image use cases over the snapshotter, the content and
// image stores and the registry client.
type Service struct {
	log         *slog.Logger
	store       *image.Store
	snapshotter snapshot.Snapshotter
	driver      string // "overlay" or "vfs"
	dist        *distribution.Service
	containers  Containers
	emit        func(action, id string, attrs map[string]string)
}

// New opens the snapshotter, the content store, the image store and the
// registry client under cfg.Root; containers tells which images are in use.
func New(cfg Config, containers Containers) (*Service, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	sn, driver, err := snapshot.New(filepath.Join(cfg.Root, "snapshots"))
	if err != nil {
		return nil, fmt.Errorf("open snapshotter: %w", err)
	}
	cs, err := content.New(filepath.Join(cfg.Root, "content"))
	if err != nil {
		sn.Close()
		return nil, fmt.Errorf("open content store: %w", err)
	}
	is, err := image.NewStore(filepath.Join(cfg.Root, "image"), cs, sn)
	if err != nil {
		sn.Close()
		return nil, fmt.Errorf("open image store: %w", err)
	}
	s := &Service{log: cfg.Log, store: is, snapshotter: sn, driver: driver, containers: containers, emit: cfg.Emit}
	reg := cfg.Registry
	if reg.Root == "" {
		reg.Root = filepath.Join(cfg.Root, "distribution")
	}
	reg.UserAgent = "berth/" + cfg.Version
	if s.dist, err = distribution.New(reg); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the image store and the snapshotter.
func (s *Service) Close() {
	_ = s.store.Close()
	_ = s.snapshotter.Close()
}

// Store is the image store, for the container use cases (create resolves
// an image, commit and the builder create them).
func (s *Service) Store() *image.Store { return s.store }

// Snapshotter holds the image layers and the containers' writable layers.
func (s *Service) Snapshotter() snapshot.Snapshotter { return s.snapshotter }

// StorageDriver returns the snapshot driver in use ("overlay" or "vfs"),
// for docker info and container inspect.
func (s *Service) StorageDriver() string { return s.driver }

// InUse reports whether a container (running or not) uses the image id
// ("sha256:…"): docker rmi refuses such an image unless forced, and image
// prune -a and build cache prune keep it.
func (s *Service) InUse(id string) bool {
	return s.containers != nil && s.containers.CountByImage()[id] > 0
}

// event publishes an image event as dockerd's LogImageEvent: the image's
// labels (while it exists: not after a delete) and its name as
// attributes.
func (s *Service) event(action, id, name string) {
	a := map[string]string{}
	if img, err := s.store.Get(context.Background(), id); err == nil {
		maps.Copy(a, img.Config.Config.Labels)
	}
	if name != "" {
		a["name"] = name
	}
	s.publish(action, id, a)
}

// publish sends an image event through Config.Emit, if there is one.
func (s *Service) publish(action, id string, attrs map[string]string) {
	if s.emit != nil {
		s.emit(action, id, attrs)
	}
}
