package system

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/events"
)

func TestLegacyEvent(t *testing.T) {
	for _, tc := range []struct {
		m    events.Message
		want string
	}{
		{events.Message{Type: events.ContainerEventType, Action: "start", Actor: events.Actor{ID: "c1", Attributes: map[string]string{"image": "busybox"}}},
			`{"status":"start","id":"c1","from":"busybox","Type":"container","Action":"start"`},
		{events.Message{Type: events.ImageEventType, Action: "tag", Actor: events.Actor{ID: "sha256:1"}},
			`{"status":"tag","id":"sha256:1","Type":"image"`},
		{events.Message{Type: events.NetworkEventType, Action: "create", Actor: events.Actor{ID: "n1"}},
			`{"Type":"network","Action":"create"`},
	} {
		data, err := json.Marshal(legacyEvent(tc.m))
		if err != nil || !strings.HasPrefix(string(data), tc.want) {
			t.Fatalf("%v: %s, want prefix %s", err, data, tc.want)
		}
	}
}
