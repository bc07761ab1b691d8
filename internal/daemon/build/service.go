package build

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	buildtypes "github.com/moby/moby/api/types/build"
	containertypes "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/builder/contexts"
	"github.com/berth/berth/internal/builder/dockerfile"
	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/snapshot"
)

// Containers is what a build needs of the container use cases: a RUN
// step's container is created, attached to, started, waited for,
// committed and removed through them.
type Containers interface {
	ContainerCreate(ctx context.Context, name string, req containertypes.CreateRequest, ext backend.ContainerCreateExtensions) (containertypes.CreateResponse, error)
	ContainerAttach(ctx context.Context, name string, opts backend.ContainerAttachOptions) error
	ContainerStart(ctx context.Context, name string) error
	ContainerWait(ctx context.Context, name, condition string) (<-chan containertypes.WaitResponse, error)
	ContainerKill(ctx context.Context, name, signal string) error
	ContainerRemove(ctx context.Context, name string, force, volumes bool) error
	// CommitBuildStep makes an image of container id's writable layer
	// over image parent, with config cfg, and returns its ID.
	CommitBuildStep(ctx context.Context, id, parent string, cfg dockerspec.DockerOCIImageConfig, createdBy string) (string, error)
}

// Images is what a build needs of the image use cases.
type Images interface {
	// PullForBuild pulls name for a FROM, writing progress to out.
	PullForBuild(ctx context.Context, name string, out io.Writer) error
	// InUse reports whether a container uses image id.
	InUse(id string) bool
}

// Config is what the daemon hands the service.
type Config struct {
	// Root is the builder's directory, <data-root>/builder.
	Root        string
	Store       *image.Store
	Snapshotter snapshot.Snapshotter
	Images      Images
	Containers  Containers
	Log         *slog.Logger
	// Publish sends an event to the daemon's subscribers (nil = none).
	Publish func(events.Message)
}

// Service runs builds and keeps the build cache.
type Service struct {
	root        string
	store       *image.Store
	snapshotter snapshot.Snapshotter
	images      Images
	containers  Containers
	log         *slog.Logger
	contexts    *contexts.Store
	publish     func(events.Message)

	mu    sync.Mutex // guards cache
	cache *dockerfile.Cache
}

// New returns the build service over cfg; the build cache opens on first
// use. The contexts a crash left in tmp/ are removed now, so that they do
// not hold space until the next build.
func New(cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	_ = os.RemoveAll(filepath.Join(cfg.Root, "tmp"))
	return &Service{root: cfg.Root, store: cfg.Store, snapshotter: cfg.Snapshotter, images: cfg.Images,
		containers: cfg.Containers, log: cfg.Log, contexts: contexts.New(filepath.Join(cfg.Root, "contexts")), publish: cfg.Publish}
}

// tmpDir holds the unpacked contexts of running builds.
func (s *Service) tmpDir() string { return filepath.Join(s.root, "tmp") }

// buildCache opens the build cache on first use. A failure (a full disk)
// is not kept: the next build tries again.
func (s *Service) buildCache() (*dockerfile.Cache, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		c, err := dockerfile.OpenCache(s.root)
		if err != nil {
			return nil, err
		}
		s.cache = c
	}
	return s.cache, nil
}

// Close closes the build cache.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache != nil {
		_ = s.cache.Close()
	}
}

// CacheUsage is the build cache part of system df: the contexts kept
// between builds.
func (s *Service) CacheUsage() *buildtypes.DiskUsage { return s.contexts.Usage() }
