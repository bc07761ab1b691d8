package images

import (
	"context"
	"io"
)

// ImageLoad loads a docker-archive or OCI layout (docker load). Each loaded
// tag (or untagged ID) is reported through progress.
func (s *Service) ImageLoad(ctx context.Context, body io.Reader, quiet bool, progress func(string)) error {
	loaded, err := s.store.Load(ctx, body, progress)
	for _, l := range loaded {
		s.event("load", l.ID.String(), l.ID.String())
	}
	return err
}

// ImageSave writes the named images as one docker-archive/OCI layout tar
// (docker save).
func (s *Service) ImageSave(ctx context.Context, names []string, w io.Writer) error {
	if err := s.store.Save(ctx, names, w); err != nil {
		return err
	}
	for _, n := range names {
		if img, err := s.store.Get(ctx, n); err == nil {
			s.event("save", img.ID.String(), n)
		}
	}
	return nil
}
