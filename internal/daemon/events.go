package daemon

import (
	"maps"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/backend/filters"
	"github.com/berth/berth/internal/container"
)

// emit publishes a container event (c nil: one of no container, a
// prune's). The caller need not hold c's lock: of what it reads, only the
// name changes after a create.
func (d *Daemon) emit(typ, action string, c *container.Container, attrs map[string]string) {
	a, id := map[string]string{}, ""
	if c != nil {
		maps.Copy(a, c.Config.Labels)
		a["name"], a["image"], id = strings.TrimPrefix(d.containers.Name(c), "/"), c.ImageName, c.ID
	}
	maps.Copy(a, attrs)
	d.events.Publish(events.Message{Type: events.Type(typ), Action: events.Action(action), Actor: events.Actor{ID: id, Attributes: a}})
}

// SubscribeEvents returns the recorded events within [since, until] and,
// when until is zero or in the future, a channel of new ones.
func (d *Daemon) SubscribeEvents(since, until time.Time, f filters.Args) ([]events.Message, <-chan events.Message, func()) {
	return d.events.Subscribe(since, until, f)
}

// emitImage publishes an image event (images.Config.Emit).
func (d *Daemon) emitImage(action, id string, attrs map[string]string) {
	d.events.Publish(events.Message{Type: events.ImageEventType, Action: events.Action(action), Actor: events.Actor{ID: id, Attributes: attrs}})
}
