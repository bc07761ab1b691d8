package daemon

import (
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/container"
)

// eventLog keeps the last events in memory and fans new ones out to
// subscribers (GET /events).
type eventLog struct {
	mu   sync.Mutex
	past []events.Message
	subs map[chan events.Message]filters.Args
}

const maxEvents = 1024

func newEventLog() *eventLog { return &eventLog{subs: map[chan events.Message]filters.Args{}} }

func (l *eventLog) publish(m events.Message) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.past = append(l.past, m)
	if len(l.past) > maxEvents {
		l.past = l.past[len(l.past)-maxEvents:]
	}
	for ch, f := range l.subs {
		if eventMatches(m, f) {
			select {
			case ch <- m:
			default: // a slow reader loses events rather than blocking the engine
			}
		}
	}
}

// emit publishes a container event.
func (d *Daemon) emit(typ, action string, c *container.Container, attrs map[string]string) {
	now := time.Now()
	a := map[string]string{}
	if c != nil {
		for k, v := range c.Config.Labels {
			a[k] = v
		}
		a["name"] = strings.TrimPrefix(c.Name, "/")
		a["image"] = c.ImageName
	}
	for k, v := range attrs {
		a[k] = v
	}
	id := ""
	if c != nil {
		id = c.ID
	}
	d.events.publish(events.Message{
		Type: events.Type(typ), Action: events.Action(action), Actor: events.Actor{ID: id, Attributes: a},
		Scope: "local", Time: now.Unix(), TimeNano: now.UnixNano(),
	})
}

// SubscribeEvents returns the recorded events within [since, until] and,
// when until is zero or in the future, a channel of new ones.
func (d *Daemon) SubscribeEvents(since, until time.Time, f filters.Args) ([]events.Message, <-chan events.Message, func()) {
	l := d.events
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
		if eventMatches(m, f) {
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

func eventMatches(m events.Message, f filters.Args) bool {
	match := func(key string, vals ...string) bool {
		want := f.Get(key)
		if len(want) == 0 {
			return true
		}
		for _, w := range want {
			for _, v := range vals {
				if v != "" && (w == v || key == "container" && strings.HasPrefix(v, w)) {
					return true
				}
			}
		}
		return false
	}
	if !match("type", string(m.Type)) || !match("event", string(m.Action)) {
		return false
	}
	if m.Type == events.ContainerEventType && !match("container", m.Actor.ID, m.Actor.Attributes["name"]) {
		return false
	}
	if !match("image", m.Actor.Attributes["image"]) {
		return false
	}
	for _, l := range f.Get("label") {
		k, v, hasV := strings.Cut(l, "=")
		got, ok := m.Actor.Attributes[k]
		if !ok || hasV && got != v {
			return false
		}
	}
	return true
}
