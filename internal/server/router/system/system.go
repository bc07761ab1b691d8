package system

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/api/types/system"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/router"
	"github.com/berth/berth/internal/server/stream"
)

// Backend is what the system router needs from the daemon.
type Backend interface {
	SystemInfo(ctx context.Context) (*system.Info, error)
	SystemVersion(ctx context.Context) system.VersionResponse
	SystemDiskUsage(ctx context.Context) (*backend.DiskUsage, error)
	// SubscribeEvents returns past events in [since, until] and, when until is
	// zero, a channel of new ones; cancel ends the subscription.
	SubscribeEvents(since, until time.Time, f filters.Args) (past []events.Message, live <-chan events.Message, cancel func())
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
	return httputil.Answer(w, http.StatusOK, info, err)
}

func (r *Router) getDiskUsage(w http.ResponseWriter, req *http.Request) error {
	du, err := r.b.SystemDiskUsage(req.Context())
	if err != nil {
		return err
	}
	return httputil.WriteJSON(w, http.StatusOK, legacyDiskUsage(req.Context(), du))
}

func (r *Router) getEvents(w http.ResponseWriter, req *http.Request) error {
	f, err := httputil.Filters(req)
	if err != nil {
		return err
	}
	now := time.Now()
	since, err := backend.ParseTime(req.FormValue("since"), now)
	if err != nil {
		return err
	}
	until, err := backend.ParseTime(req.FormValue("until"), now)
	if err != nil {
		return err
	}
	past, live, cancel := r.b.SubscribeEvents(since, until, f)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	stream.Flush(w)
	enc := json.NewEncoder(stream.FlushWriter{W: w})
	for _, m := range past {
		if err := enc.Encode(legacyEvent(m)); err != nil {
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
			if err := enc.Encode(legacyEvent(m)); err != nil {
				return nil
			}
		case <-timer:
			return nil
		case <-req.Context().Done():
			return nil
		}
	}
}
