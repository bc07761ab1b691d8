package image

import (
	"context"
	"io"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/mount"
)

// ExportRootfs writes the merged root filesystem described by mounts (a
// container's snapshot mounts) as a tar stream, as docker export does. It
// mounts them on a temporary directory and unmounts afterwards.
func ExportRootfs(ctx context.Context, mounts []mount.Mount, w io.Writer) error {
	return mount.WithTempMount(mounts, func(root string) error {
		return archive.TarDir(ctx, w, root)
	})
}
