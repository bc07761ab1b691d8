package system

import (
	"encoding/json"
	"testing"

	"github.com/moby/moby/api/types/events"
)

func TestLegacyEventFields(t *testing.T) {
	m := events.Message{Type: events.ContainerEventType, Action: events.ActionStart,
		Actor: events.Actor{ID: "abc", Attributes: map[string]string{"image": "busybox"}}, Time: 1}
	data, _ := json.Marshal(legacyEvent(m))
	var got map[string]any
	_ = json.Unmarshal(data, &got)
	if got["status"] != "start" || got["id"] != "abc" || got["from"] != "busybox" || got["Action"] != "start" || got["Type"] != "container" {
		t.Fatalf("container event: %s", data)
	}
	m = events.Message{Type: events.NetworkEventType, Action: events.ActionCreate, Actor: events.Actor{ID: "n1"}}
	data, _ = json.Marshal(legacyEvent(m))
	got = nil
	_ = json.Unmarshal(data, &got)
	if _, ok := got["status"]; ok {
		t.Fatalf("network events never had the legacy fields: %s", data)
	}
}
