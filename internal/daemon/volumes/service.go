package volumes

import (
	"log/slog"
	"sync"
	"time"

	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/container"
	"github.com/berth/berth/internal/store"
	"github.com/berth/berth/internal/volume"
)

// Containers is what the service needs of the container records: find one
// by name, ID or ID prefix (--volumes-from), store one (after a copy-up),
// list them all (who uses a volume).
type Containers interface {
	container.Records
	List() []*container.Container
}

// Config is what the daemon hands the service.
type Config struct {
	DB         *store.DB    // holds the volume records
	Root       string       // the volumes' directory, <data-root>/volumes
	Log        *slog.Logger // nil: slog.Default()
	Containers Containers
	// Publish sends an event to the daemon's subscribers.
	Publish func(events.Message)
}

// Service is the volumes and mounts of one daemon.
type Service struct {
	store      *volume.Store
	log        *slog.Logger
	containers Containers
	publish    func(events.Message)

	// mu orders "is this volume used?" checks before removals against
	// creates that start using a volume (Attach).
	mu sync.Mutex
}

// New opens the volume store.
func New(cfg Config) (*Service, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	st, err := volume.New(cfg.DB, cfg.Root)
	if err != nil {
		return nil, err
	}
	return &Service{store: st, log: cfg.Log, containers: cfg.Containers, publish: cfg.Publish}, nil
}

// users returns, per volume name, the IDs of the containers whose records
// refer to it (running or not: Docker refuses to remove either).
func (s *Service) users() map[string][]string {
	out := map[string][]string{}
	for _, c := range s.containers.List() {
		c.Lock()
		for _, mp := range c.MountPoints {
			if mp.Name != "" {
				out[mp.Name] = append(out[mp.Name], c.ID)
			}
		}
		c.Unlock()
	}
	return out
}

// emit publishes a volume event (create, destroy, mount, unmount).
func (s *Service) emit(action, name string, attrs map[string]string) {
	now := time.Now()
	a := map[string]string{"driver": volume.DriverLocal}
	for k, v := range attrs {
		a[k] = v
	}
	s.publish(events.Message{
		Type: events.VolumeEventType, Action: events.Action(action), Actor: events.Actor{ID: name, Attributes: a},
		Scope: "local", Time: now.Unix(), TimeNano: now.UnixNano(),
	})
}
