// Package eventlog is the daemon's event log: the last events kept in a
// bounded ring for replay (--since, --until) and fanned out to the
// subscribers of GET /events, with dockerd's filter rules.
package eventlog

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/backend/filters"
)

// Log keeps the last events in memory and fans new ones out to
// subscribers (GET /events).
type Log struct {
	mu   sync.Mutex
	size int // the most events kept
	past []events.Message
	subs map[chan events.Message]filters.Args
}

// DefaultRingSize is how many past events are kept for replay
// (daemon.json "events-ring-size").
const DefaultRingSize = 1024

// New returns a Log that keeps the last size events (DefaultRingSize when
// size is not positive).
func New(size int) *Log {
	if size <= 0 {
		size = DefaultRingSize
	}
	return &Log{size: size, subs: map[chan events.Message]filters.Args{}}
}

// Publish records m and hands it to every subscriber whose filters it
// matches. An event without a time is stamped now, and one without a
// scope is "local".
func (l *Log) Publish(m events.Message) {
	if m.TimeNano == 0 {
		now := time.Now()
		m.Time, m.TimeNano = now.Unix(), now.UnixNano()
	}
	if m.Scope == "" {
		m.Scope = "local"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.past = append(l.past, m)
	if len(l.past) > l.size {
		l.past = l.past[len(l.past)-l.size:]
	}
	for ch, f := range l.subs {
		if Matches(m, f) {
			select {
			case ch <- m:
			default: // a slow reader loses events rather than blocking the engine
			}
		}
	}
}

// Subscribe returns the recorded events within [since, until] and,
// when until is zero or in the future, a channel of new ones.
func (l *Log) Subscribe(since, until time.Time, f filters.Args) ([]events.Message, <-chan events.Message, func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var past []events.Message
	for _, m := range l.past {
		t := time.Unix(0, m.TimeNano)
		if !since.IsZero() && t.Before(since) {
			continue
		}
		if !until.IsZero() && t.After(until) {
			continue
		}
		if Matches(m, f) {
			past = append(past, m)
		}
	}
	if since.IsZero() && until.IsZero() {
		past = nil // docker events without --since shows only new events
	}
	if !until.IsZero() && !until.After(time.Now()) {
		return past, nil, func() {}
	}
	ch := make(chan events.Message, 256)
	l.subs[ch] = f
	return past, ch, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		l.mu.Unlock()
	}
}

// Matches applies dockerd's event filters: type, scope and event
// exactly (a bare health_status, exec_create or exec_start matches its
// actions by prefix); container, network, volume and daemon by a prefix of
// the actor's ID or name, whatever the event's type; image by the
// image's ID or name (an image event's actor, a container's image
// attribute), with or without its tag; label by the actor's attributes.
func Matches(m events.Message, f filters.Args) bool {
	exact := func(key, v string) bool { return f.Any(key, func(w string) bool { return w == v }) }
	prefix := func(key string, vals ...string) bool {
		return f.Any(key, func(w string) bool {
			return slices.ContainsFunc(vals, func(v string) bool { return v != "" && strings.HasPrefix(v, w) })
		})
	}
	action := string(m.Action)
	fuzzyEvent := slices.ContainsFunc(f.Get("event"), func(w string) bool {
		return w == "health_status" || w == "exec_create" || w == "exec_start"
	})
	if fuzzyEvent && !prefix("event", action) || !fuzzyEvent && !exact("event", action) {
		return false
	}
	if !exact("type", string(m.Type)) || !exact("scope", m.Scope) {
		return false
	}
	name := m.Actor.Attributes["name"]
	for _, key := range []string{"container", "network", "volume", "daemon"} {
		if !prefix(key, m.Actor.ID, name) {
			return false
		}
	}
	img := m.Actor.Attributes["image"]
	if m.Type == events.ImageEventType {
		img = name
	}
	if !f.Any("image", func(w string) bool {
		return slices.Contains([]string{m.Actor.ID, img, stripTag(m.Actor.ID), stripTag(img)}, w)
	}) {
		return false
	}
	return f.MatchLabels(m.Actor.Attributes)
}

// stripTag drops the tag of an image reference (not a registry's port).
func stripTag(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") && !strings.HasPrefix(ref, "sha256:") {
		return ref[:i]
	}
	return ref
}
