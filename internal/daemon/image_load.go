package daemon

import (
	"context"
	"io"
)

// ImageLoad loads a docker-archive or OCI layout (docker load). Each loaded
// tag (or untagged ID) is reported through progress.
func (d *Daemon) ImageLoad(ctx context.Context, body io.Reader, quiet bool, progress func(string)) error {
	_, err := d.images.Load(ctx, body, progress)
	return err
}

// ImageSave writes the named images as one docker-archive/OCI layout tar
// (docker save).
func (d *Daemon) ImageSave(ctx context.Context, names []string, w io.Writer) error {
	return d.images.Save(ctx, names, w)
}
