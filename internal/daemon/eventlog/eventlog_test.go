package eventlog

import (
	"testing"
	"time"

	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/backend/filters"
)

func TestEventFiltersAsDockerd(t *testing.T) {
	ctr := events.Message{Type: events.ContainerEventType, Action: "health_status: healthy", Scope: "local",
		Actor: events.Actor{ID: "abc123", Attributes: map[string]string{"name": "web", "image": "busybox:latest", "tier": "front"}}}
	net := events.Message{Type: events.NetworkEventType, Action: "connect", Scope: "local",
		Actor: events.Actor{ID: "n0123", Attributes: map[string]string{"name": "backend", "container": "abc123"}}}
	img := events.Message{Type: events.ImageEventType, Action: "tag", Scope: "local",
		Actor: events.Actor{ID: "sha256:ff", Attributes: map[string]string{"name": "busybox:mine"}}}
	for _, tc := range []struct {
		f    filters.Args
		m    events.Message
		want bool
	}{
		{filters.Args{"container": {"we"}}, ctr, true},
		{filters.Args{"container": {"abc"}}, ctr, true},
		{filters.Args{"container": {"web"}}, net, false}, // dockerd: the key applies to every event
		{filters.Args{"network": {"back"}}, net, true},
		{filters.Args{"network": {"back"}}, ctr, false},
		{filters.Args{"event": {"health_status"}}, ctr, true},
		{filters.Args{"event": {"health"}}, ctr, false},
		{filters.Args{"event": {"connect"}, "type": {"network"}}, net, true},
		{filters.Args{"image": {"busybox"}}, ctr, true},
		{filters.Args{"image": {"busybox"}}, img, true},
		{filters.Args{"image": {"sha256:ff"}}, img, true},
		{filters.Args{"image": {"alpine"}}, img, false},
		{filters.Args{"label": {"tier=front"}}, ctr, true},
		{filters.Args{"label": {"tier=back"}}, ctr, false},
		{filters.Args{"scope": {"swarm"}}, ctr, false},
		{filters.Args{"volume": {"v"}}, ctr, false},
		{filters.Args{"daemon": {"x"}}, img, false},
	} {
		if got := Matches(tc.m, tc.f); got != tc.want {
			t.Errorf("%v on %s %s: %v, want %v", tc.f, tc.m.Type, tc.m.Action, got, tc.want)
		}
	}
}

func TestEventRing(t *testing.T) {
	l := New(3)
	for i := range 5 {
		l.Publish(events.Message{Action: events.Action(string(rune('a' + i)))})
	}
	if len(l.past) != 3 || l.past[0].Action != "c" || l.past[2].Action != "e" {
		t.Fatalf("ring %+v", l.past)
	}
}

func TestEventMatches(t *testing.T) {
	m := events.Message{Type: "container", Action: "start", Actor: events.Actor{ID: "abc123", Attributes: map[string]string{"name": "web", "image": "busybox", "role": "x"}}}
	for f, want := range map[string]bool{
		`{"event":{"start":true}}`:     true,
		`{"event":{"die":true}}`:       false,
		`{"container":{"web":true}}`:   true,
		`{"container":{"abc":true}}`:   true,
		`{"container":{"other":true}}`: false,
		`{"label":{"role=x":true}}`:    true,
		`{"type":{"image":true}}`:      false,
	} {
		a, err := filters.Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := Matches(m, a); got != want {
			t.Errorf("Matches(%s) = %v", f, got)
		}
	}
}

// TestPublishStamps: an event published without a time gets the time of
// its publication and the local scope; one with a time keeps it.
func TestPublishStamps(t *testing.T) {
	l := New(4)
	before := time.Now()
	l.Publish(events.Message{Type: events.ImageEventType, Action: "prune"})
	l.Publish(events.Message{Type: events.ImageEventType, Action: "tag", Scope: "swarm", Time: 1, TimeNano: 1e9})
	past, _, cancel := l.Subscribe(time.Unix(0, 1), time.Now(), filters.Args{})
	defer cancel()
	if len(past) != 2 {
		t.Fatalf("past %+v", past)
	}
	if m := past[0]; m.Scope != "local" || m.TimeNano < before.UnixNano() || m.Time != m.TimeNano/1e9 {
		t.Errorf("stamped %+v", m)
	}
	if m := past[1]; m.Scope != "swarm" || m.TimeNano != 1e9 {
		t.Errorf("kept %+v", m)
	}
}
