package mount

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// ErrNotDir is MakeDirs's error when a part of the path exists and is not
// a directory.
var ErrNotDir = errors.New("not a directory")

// MakeDirs creates dir in the root filesystem rootfs where it is missing
// (a container's working directory, as dockerd does at start); each
// directory it creates belongs to uid:gid, so that a process run as that
// user can write where it starts (dockerd leaves them to root). The
// directories are made chrooted into rootfs (InRoot): a symlink in the
// image cannot lead outside. An existing directory costs one stat.
func MakeDirs(rootfs, dir string, uid, gid int) error {
	dir = path.Clean(dir)
	if dir == "" || dir == "/" || dir == "." {
		return nil
	}
	if p, err := securejoin.SecureJoin(rootfs, dir); err == nil {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return nil
		}
	}
	return InRoot(rootfs, nil, func() error {
		p := "/"
		for _, part := range strings.Split(dir, "/") {
			if part == "" {
				continue
			}
			p = path.Join(p, part)
			fi, err := os.Stat(p)
			if err == nil {
				if !fi.IsDir() {
					return fmt.Errorf("%s: %w", p, ErrNotDir)
				}
				continue
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := os.Mkdir(p, 0o755); err != nil {
				return fmt.Errorf("create directory %s: %w", dir, err)
			}
			if err := os.Lchown(p, uid, gid); err != nil {
				return fmt.Errorf("chown directory %s: %w", dir, err)
			}
		}
		return nil
	})
}
