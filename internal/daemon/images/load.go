package images

import (
	"context"
	"io"
)

// ImageLoad loads a docker-archive or OCI layout (docker load). Each loaded
// tag (or untagged ID) is reported through progress.
func (s *Service) ImageLoad(ctx context.Context, body io.Reader, quiet bool, progress func(string)) error {
	_, err := s.store.Load(ctx, body, progress)
	return err
}

// ImageSave writes the named images as one docker-archive/OCI layout tar
// (docker save).
func (s *Service) ImageSave(ctx context.Context, names []string, w io.Writer) error {
	return s.store.Save(ctx, names, w)
}
