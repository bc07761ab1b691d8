package images

import (
	"context"
	"time"

	imagetypes "github.com/moby/moby/api/types/image"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/image"
	"github.com/berth/berth/internal/reference"
)

// ImageList lists images (docker images): without all, untagged images
// that are parents of other images are hidden; filters are dangling,
// reference, label, before, since and until.
func (s *Service) ImageList(ctx context.Context, all bool, filters map[string][]string, sharedSize bool) ([]imagetypes.Summary, error) {
	f := image.Filters(filters)
	if err := f.Validate(); err != nil {
		return nil, err
	}
	m, err := image.NewMatcher(f, func(name string) (*image.Image, error) { return s.store.Get(ctx, name) })
	if err != nil {
		return nil, err
	}
	imgs, err := s.store.List(ctx)
	if err != nil {
		return nil, err
	}
	var usage map[digest.Digest]image.Usage
	if sharedSize {
		if usage, _, err = s.store.DiskUsage(ctx); err != nil {
			return nil, err
		}
	}
	out := []imagetypes.Summary{}
	for _, img := range imgs {
		if !all && len(img.RepoTags) == 0 && len(s.store.Children(ctx, img.ID)) > 0 {
			continue
		}
		if !m.Match(img) {
			continue
		}
		sum := imageSummary(img)
		sum.RepoTags = familiarAll(m.Tags(img))
		if usage != nil {
			sum.SharedSize = usage[img.ID].SharedSize
		}
		out = append(out, sum)
	}
	return out, nil
}

// imageSummary converts img to the API's list entry.
func imageSummary(img *image.Image) imagetypes.Summary {
	s := imagetypes.Summary{
		ID:          img.ID.String(),
		ParentID:    img.Parent.String(),
		Created:     unixOrZero(img.Created),
		Size:        img.Size,
		SharedSize:  -1,
		Containers:  -1,
		Labels:      img.Config.Config.Labels,
		RepoTags:    familiarAll(img.RepoTags),
		RepoDigests: familiarAll(img.RepoDigests),
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	return s
}

func familiarAll(refs []string) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, reference.Familiar(r))
	}
	return out
}

// unixOrZero returns t as Unix seconds, 0 for the zero time (an image
// config without "created").
func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
