package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/oci"
)

// makeWorkdir creates the container's working directory (-w, WORKDIR) in
// its root filesystem when it is missing, as dockerd does at start; each
// directory it creates belongs to the container's user, so that a process
// run with -u can write where it starts (dockerd leaves them to root).
// The directories are made chrooted into rootfs (mount.InRoot): a symlink
// in the image cannot lead outside. An existing directory costs one stat.
func makeWorkdir(rootfs, dir string, u oci.User) error {
	dir = path.Clean(dir)
	if dir == "" || dir == "/" || dir == "." {
		return nil
	}
	if p, err := securejoin.SecureJoin(rootfs, dir); err == nil {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return nil
		}
	}
	return mount.InRoot(rootfs, nil, func() error {
		p := "/"
		for _, part := range strings.Split(dir, "/") {
			if part == "" {
				continue
			}
			p = path.Join(p, part)
			fi, err := os.Stat(p)
			if err == nil {
				if !fi.IsDir() {
					return errdefs.InvalidParameter(fmt.Errorf("Cannot mkdir: %s is not a directory", dir))
				}
				continue
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := os.Mkdir(p, 0o755); err != nil {
				return fmt.Errorf("create working directory %s: %w", dir, err)
			}
			if err := os.Lchown(p, int(u.UID), int(u.GID)); err != nil {
				return fmt.Errorf("chown working directory %s: %w", dir, err)
			}
		}
		return nil
	})
}
