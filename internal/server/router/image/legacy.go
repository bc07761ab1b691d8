package image

import (
	"context"
	"encoding/json"

	containertypes "github.com/moby/moby/api/types/container"
	imagetypes "github.com/moby/moby/api/types/image"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/stream"
)

// legacyInspect adds the image inspect fields that older API versions
// still return: before 1.52 Author (empty when unknown) and the full
// container-config shape of Config (every field, null or empty when
// unset), before 1.44 VirtualSize, equal to Size. It keeps Container and
// ContainerConfig at every version (dockerd drops them from 1.45):
// docker-compose 1.29 speaks the newest version the daemon offers
// (docker-py's "auto") and reads ContainerConfig.Volumes whenever it
// recreates a container; an image without one gets an empty one, as
// dockerd shows for images its legacy builder did not commit.
func legacyInspect(ctx context.Context, resp *backend.ImageInspectResponse) any {
	if resp == nil {
		return resp
	}
	if resp.Container == nil {
		resp.Container = new(string)
	}
	add := map[string]any{"ContainerConfig": legacyConfig(nil)}
	if !stream.VersionLessThan(ctx, "1.52") {
		return httputil.WithFields(resp, add)
	}
	add["Author"] = ""
	if stream.VersionLessThan(ctx, "1.44") && resp.VirtualSize == nil {
		size := resp.Size
		resp.VirtualSize = &size
	}
	out := httputil.WithFields(resp, add)
	if m, ok := out.(map[string]json.RawMessage); ok && resp.Config != nil {
		if data, err := json.Marshal(legacyConfig(resp.Config)); err == nil {
			m["Config"] = data
		}
	}
	return out
}

// legacyConfig returns cfg with every field of a container config, as
// image inspect showed Config before API 1.52.
func legacyConfig(cfg any) any {
	full := httputil.WithFields(containertypes.Config{}, map[string]any{"OnBuild": nil})
	if cfg == nil {
		return full
	}
	m, ok := httputil.WithFields(cfg, nil).(map[string]json.RawMessage)
	if !ok {
		return cfg
	}
	if f, ok := full.(map[string]json.RawMessage); ok {
		for k, v := range f {
			if _, set := m[k]; !set {
				m[k] = v
			}
		}
	}
	return m
}

// legacyList adds VirtualSize, equal to Size, to each image of the list
// for clients older than API 1.44.
func legacyList(ctx context.Context, list []imagetypes.Summary) any {
	if !stream.VersionLessThan(ctx, "1.44") {
		return list
	}
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = httputil.WithFields(s, map[string]any{"VirtualSize": s.Size})
	}
	return out
}
