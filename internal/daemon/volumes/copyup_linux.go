package volumes

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/recovery"
)

// copyUp fills the empty volume directory vol with the image's content at
// dst inside rootfs (Docker's copy of a VOLUME's content on first use):
// files, modes, owners and the directory's own mode and owner. Symlinks in
// the image are resolved inside rootfs; nothing outside is read.
func copyUp(rootfs, dst, vol string) error {
	src, err := securejoin.SecureJoin(rootfs, dst)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return nil
	}
	entries, err := os.ReadDir(vol)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return nil // the volume has data: never overwrite it
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		_ = os.Lchown(vol, int(st.Uid), int(st.Gid))
	}
	if err := os.Chmod(vol, fi.Mode().Perm()|fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return err
	}
	// Both sides run confined (mount.InRoot): the image's tree is read
	// inside rootfs and written inside the volume, which another running
	// container may share.
	rel, err := filepath.Rel(rootfs, src)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	recovery.Go(nil, "copy image content into volume", func() {
		pw.CloseWithError(mount.InRoot(rootfs, nil, func() error {
			bw := bufio.NewWriterSize(pw, 256<<10) // fewer hand-offs between the two locked threads
			if err := archive.TarPath(context.Background(), bw, "/"+rel, "."); err != nil {
				return err
			}
			return bw.Flush()
		}))
	}, func(err error) { pw.CloseWithError(err) })
	err = mount.InRoot(vol, nil, func() error {
		_, err := archive.Apply(context.Background(), "/", pr, archive.ApplyOptions{Whiteouts: archive.WhiteoutNone})
		return err
	})
	if err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("copy %s: %w", dst, err)
	}
	return nil
}
