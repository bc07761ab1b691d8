package daemon

import (
	"context"

	"github.com/berth/berth/internal/reference"
)

// ImageTag adds the reference repo:tag (tag defaults to latest) to the
// image name (docker tag).
func (d *Daemon) ImageTag(ctx context.Context, name, repo, tag string) error {
	img, err := d.images.Get(ctx, name)
	if err != nil {
		return err
	}
	n, err := reference.ParseRepoTag(repo, tag)
	if err != nil {
		return err
	}
	return d.images.Tag(ctx, img.ID, n.String())
}
