package image

import (
	"context"

	containertypes "github.com/moby/moby/api/types/container"
	imagetypes "github.com/moby/moby/api/types/image"

	"github.com/berth/berth/internal/server/httputil"
	"github.com/berth/berth/internal/server/stream"
)

// legacyInspect adds the image inspect fields that older API versions
// still return: Container and ContainerConfig before 1.45 (docker-compose
// 1.29 reads ContainerConfig.Volumes when it recreates a container; an
// image berth made has no container config, so it is an empty one, as
// dockerd shows for images its legacy builder did not commit), and
// VirtualSize, equal to Size, before 1.44.
func legacyInspect(ctx context.Context, resp *imagetypes.InspectResponse) any {
	if resp == nil || !stream.VersionLessThan(ctx, "1.45") {
		return resp
	}
	add := map[string]any{"Container": "", "ContainerConfig": containertypes.Config{}}
	if stream.VersionLessThan(ctx, "1.44") {
		add["VirtualSize"] = resp.Size
	}
	return httputil.WithFields(resp, add)
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
