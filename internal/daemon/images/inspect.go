package images

import (
	"context"
	"time"

	containertypes "github.com/moby/moby/api/types/container"
	imagetypes "github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/storage"

	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/oci"
)

// ImageInspect returns the details of the image name (docker image inspect).
func (s *Service) ImageInspect(ctx context.Context, name string) (*backend.ImageInspectResponse, error) {
	img, err := s.store.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	cfg := img.Config
	layers := make([]string, 0, len(cfg.RootFS.DiffIDs))
	for _, l := range cfg.RootFS.DiffIDs {
		layers = append(layers, l.String())
	}
	comment := ""
	if n := len(cfg.History); n > 0 {
		comment = cfg.History[n-1].Comment
	}
	c := cfg.Config
	resp := &imagetypes.InspectResponse{
		ID:           img.ID.String(),
		RepoTags:     familiarAll(img.RepoTags),
		RepoDigests:  familiarAll(img.RepoDigests),
		Comment:      comment,
		Author:       cfg.Author,
		Config:       &c,
		Architecture: cfg.Architecture,
		Variant:      cfg.Variant,
		Os:           cfg.OS,
		OsVersion:    cfg.OSVersion,
		Size:         img.Size,
		RootFS:       imagetypes.RootFS{Type: "layers", Layers: layers},
		Metadata:     imagetypes.Metadata{LastTagTime: img.LastTagTime},
		GraphDriver:  &storage.DriverData{Name: s.driver, Data: map[string]string{}},
	}
	if !img.Created.IsZero() {
		resp.Created = img.Created.UTC().Format(time.RFC3339Nano)
	}
	var cc containertypes.Config
	oci.MergeImageConfig(&cc, &c)
	return &backend.ImageInspectResponse{InspectResponse: *resp, Parent: img.Parent.String(), ContainerConfig: &cc}, nil
}

// ImageHistory returns the history of the image name, newest first
// (docker history). The top entry carries the image ID and tags, the
// entries below those of its parents; the rest are "<missing>", as Docker
// prints for pulled and loaded images.
func (s *Service) ImageHistory(ctx context.Context, name string) ([]imagetypes.HistoryResponseItem, error) {
	img, err := s.store.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	sizes := s.store.LayerSizes(ctx, img)
	hist := img.Config.History
	out := make([]imagetypes.HistoryResponseItem, 0, len(hist))
	layer := 0
	for _, h := range hist {
		item := imagetypes.HistoryResponseItem{ID: "<missing>", CreatedBy: h.CreatedBy, Comment: h.Comment, Tags: []string{}}
		if h.Created != nil {
			item.Created = h.Created.Unix()
		}
		if !h.EmptyLayer && layer < len(sizes) {
			item.Size = sizes[layer]
			layer++
		}
		out = append(out, item)
	}
	if len(out) == 0 {
		out = append(out, imagetypes.HistoryResponseItem{Created: unixOrZero(img.Created), Tags: []string{}})
	}
	// Newest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	// As dockerd: entry i names the i-th image up the Parent chain (one
	// entry per commit or classic-builder step), until the chain ends.
	for i, cur := 0, img; i < len(out); i++ {
		out[i].ID = cur.ID.String()
		out[i].Tags = familiarAll(cur.RepoTags)
		if cur.Parent == "" {
			break
		}
		if cur, err = s.store.Get(ctx, cur.Parent.String()); err != nil {
			break
		}
	}
	return out, nil
}
