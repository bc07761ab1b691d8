package system

import (
	"context"

	"github.com/moby/moby/api/types/events"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/stream"
)

// legacyMessage is an event with the fields of the API before 1.22
// (status, id, from) that dockerd sent for container and image events up
// to API 1.51.
type legacyMessage struct {
	Status string `json:"status,omitempty"`
	ID     string `json:"id,omitempty"`
	From   string `json:"from,omitempty"`
	events.Message
}

// legacyEvent returns m with the fields of the API before 1.22 for
// container and image events. Unlike dockerd from API 1.52, berth sends
// them at every version: docker-compose 1.29 reads them (`up` without -d
// and `events` fail with KeyError: 'id' without them) and, through
// docker-py's "auto" version, speaks the newest version the daemon offers.
func legacyEvent(m events.Message) any {
	switch m.Type {
	case events.ContainerEventType:
		return legacyMessage{Status: string(m.Action), ID: m.Actor.ID, From: m.Actor.Attributes["image"], Message: m}
	case events.ImageEventType:
		return legacyMessage{Status: string(m.Action), ID: m.Actor.ID, Message: m}
	}
	return m
}

// legacyDiskUsage adds VirtualSize, equal to Size, to each image of
// GET /system/df for clients older than API 1.44.
func legacyDiskUsage(ctx context.Context, du *backend.DiskUsage) *backend.DiskUsage {
	if !stream.VersionLessThan(ctx, "1.44") {
		return du
	}
	for i, img := range du.Images {
		m, ok := httputil.Object(img)
		if !ok || m["Size"] == nil {
			continue
		}
		if _, ok := m["VirtualSize"]; !ok {
			m["VirtualSize"] = m["Size"]
			du.Images[i] = m
		}
	}
	return du
}
