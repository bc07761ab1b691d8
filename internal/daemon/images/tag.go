package images

import (
	"context"

	"github.com/berth/berth/internal/reference"
)

// ImageTag adds the reference repo:tag (tag defaults to latest) to the
// image name (docker tag).
func (s *Service) ImageTag(ctx context.Context, name, repo, tag string) error {
	img, err := s.store.Get(ctx, name)
	if err != nil {
		return err
	}
	n, err := reference.ParseRepoTag(repo, tag)
	if err != nil {
		return err
	}
	if err := s.store.Tag(ctx, img.ID, n.String()); err != nil {
		return err
	}
	s.event("tag", img.ID.String(), reference.Familiar(n.String()))
	return nil
}

// EventTagged publishes the tag event of repo:tag made on image id
// elsewhere than ImageTag (a commit's reference), as dockerd's TagImage,
// and returns the reference as the event names it; no repo, no event
// and "".
func (s *Service) EventTagged(id, repo, tag string) string {
	n, err := reference.ParseRepoTag(repo, tag)
	if repo == "" || err != nil {
		return ""
	}
	name := reference.Familiar(n.String())
	s.event("tag", id, name)
	return name
}
