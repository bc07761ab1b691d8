package system

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/system"

	"github.com/berth/berth/internal/server/filters"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
	"github.com/berth/berth/internal/server/stream"
)

// Backend is what the system router needs from the daemon.
type Backend interface {
	SystemInfo(ctx context.Context) (*system.Info, error)
	SystemVersion(ctx context.Context) system.VersionResponse
	SystemDiskUsage(ctx context.Context) (*DiskUsage, error)
	// SubscribeEvents returns past events in [since, until] and, when until is
	// zero, a channel of new ones; cancel ends the subscription.
	SubscribeEvents(since, until time.Time, f filters.Args) (past []events.Message, live <-chan events.Message, cancel func())
}

// DiskUsage is the body of GET /system/df in both shapes: the legacy one
// (API < 1.52: LayersSize, Images, Containers, Volumes, BuildCache) and the
// newer *Usage objects.
type DiskUsage struct {
	LayersSize int64 `json:"LayersSize"`
	Images     []any `json:"Images"`
	Containers []any `json:"Containers"`
	Volumes    []any `json:"Volumes"`
	BuildCache []any `json:"BuildCache"`
	system.DiskUsage
}

// Router serves the system endpoints.
type Router struct{ b Backend }

// New returns the system router over b.
func New(b Backend) *Router { return &Router{b: b} }

// Routes returns the route table.
func (r *Router) Routes() []router.Route {
	return []router.Route{
		{Pattern: "GET /_ping", Handler: r.ping},
		{Pattern: "HEAD /_ping", Handler: r.ping},
		{Pattern: "GET /version", Handler: r.getVersion},
		{Pattern: "GET /info", Handler: r.getInfo},
		{Pattern: "GET /system/df", Handler: r.getDiskUsage},
		{Pattern: "GET /events", Handler: r.getEvents},
	}
}

func (r *Router) ping(w http.ResponseWriter, req *http.Request) error {
	w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Builder-Version", "1")
	if req.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return nil
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write([]byte("OK"))
	return err
}

func (r *Router) getVersion(w http.ResponseWriter, req *http.Request) error {
	return httputil.WriteJSON(w, http.StatusOK, r.b.SystemVersion(req.Context()))
}

func (r *Router) getInfo(w http.ResponseWriter, req *http.Request) error {
	info, err := r.b.SystemInfo(req.Context())
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, info)
}

func (r *Router) getDiskUsage(w http.ResponseWriter, req *http.Request) error {
	du, err := r.b.SystemDiskUsage(req.Context())
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, du)
}

func (r *Router) getEvents(w http.ResponseWriter, req *http.Request) error {
	f, err := filters.Parse(req.FormValue("filters"))
	if err != nil {
		return err
	}
	now := time.Now()
	since, err := parseTime(req.FormValue("since"), now)
	if err != nil {
		return err
	}
	until, err := parseTime(req.FormValue("until"), now)
	if err != nil {
		return err
	}
	past, live, cancel := r.b.SubscribeEvents(since, until, f)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	stream.Flush(w)
	enc := json.NewEncoder(stream.FlushWriter{W: w})
	legacy := stream.VersionLessThan(req.Context(), "1.52")
	encode := func(m events.Message) error {
		if legacy {
			return enc.Encode(legacyEvent(m))
		}
		return enc.Encode(m)
	}
	for _, m := range past {
		if err := encode(m); err != nil {
			return nil
		}
	}
	if live == nil {
		return nil
	}
	var timer <-chan time.Time
	if !until.IsZero() {
		timer = time.After(time.Until(until))
	}
	for {
		select {
		case m, ok := <-live:
			if !ok {
				return nil
			}
			if err := encode(m); err != nil {
				return nil
			}
		case <-timer:
			return nil
		case <-req.Context().Done():
			return nil
		}
	}
}

// oldEvent is an event as API < 1.52 sends it: with the status, id and
// from fields that 1.22 deprecated and dockerd kept filling for container
// and image events until 1.52 (the Python SDK and docker-compose 1.29 read
// them).
type oldEvent struct {
	Status string `json:"status,omitempty"`
	ID     string `json:"id,omitempty"`
	From   string `json:"from,omitempty"`
	events.Message
}

func legacyEvent(m events.Message) oldEvent {
	e := oldEvent{Message: m}
	switch m.Type {
	case events.ContainerEventType:
		e.Status, e.ID, e.From = string(m.Action), m.Actor.ID, m.Actor.Attributes["image"]
	case events.ImageEventType:
		e.Status, e.ID = string(m.Action), m.Actor.ID
	}
	return e
}
