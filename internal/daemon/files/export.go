package files

import (
	"bufio"
	"context"
	"io"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/mount"
)

// ContainerExport writes a tar of the container's rootfs. The walk runs on
// a thread chrooted into the rootfs (mount.InRoot), as docker cp's: a
// running container that swaps a directory for a symlink mid-walk leads it
// only to its own files (CVE-2018-15664).
func (s *Service) ContainerExport(ctx context.Context, name string, w io.Writer) error {
	c, err := s.containers.Container(name)
	if err != nil {
		return err
	}
	err = s.withRootfs(ctx, c, func(root string) error {
		return mount.InRoot(root, nil, func() error {
			// Buffered: the thread is locked, and each write to the
			// client would cost a hand-off between OS threads.
			bw := bufio.NewWriterSize(w, 256<<10)
			if err := archive.TarDir(ctx, bw, "/"); err != nil {
				return err
			}
			return bw.Flush()
		})
	})
	if err == nil {
		s.containers.LogContainerEvent(c.ID, "export")
	}
	return err
}
