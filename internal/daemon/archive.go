package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	ctrrouter "github.com/berth/berth/internal/server/router/container"
)

func withTempMount(ms []mount.Mount, fn func(root string) error) error {
	return mount.WithTempMount(ms, fn)
}

// resolveInRoot resolves a container path inside root without letting
// symlinks escape it. The final component is not followed when it is a
// symlink (docker cp copies links as links).
func resolveInRoot(root, p string) (string, error) {
	if p == "" {
		return "", errdefs.InvalidParameter(errors.New("path cannot be empty"))
	}
	clean := path.Clean("/" + p)
	dir, base := path.Split(clean)
	parent, err := securejoin.SecureJoin(root, dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	if base == "" {
		return parent, nil
	}
	return filepath.Join(parent, base), nil
}

func statPath(root, p string) (*ctrrouter.ArchiveStat, string, error) {
	return statPathIn(root, "", p)
}

// statPathIn stats p in root; the files bind-mounted from the container
// dir (hostname, hosts, resolv.conf) are read from there, as the container
// sees them.
func statPathIn(root, ctrDir, p string) (*ctrrouter.ArchiveStat, string, error) {
	full, err := resolveInRoot(root, p)
	if ctrDir != "" {
		switch path.Clean("/" + p) {
		case "/etc/hostname", "/etc/hosts", "/etc/resolv.conf":
			full, err = filepath.Join(ctrDir, path.Base(p)), nil
		}
	}
	if err != nil {
		return nil, "", err
	}
	// A trailing "/." or "/" asks for the directory's content; it must be a dir.
	fi, err := os.Lstat(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, "", errdefs.NotFound(fmt.Errorf("Could not find the file %s in container", p))
		}
		return nil, "", err
	}
	st := &ctrrouter.ArchiveStat{Name: path.Base(path.Clean("/" + p)), Size: fi.Size(), Mode: fi.Mode(), Mtime: fi.ModTime()}
	if fi.Mode()&os.ModeSymlink != 0 {
		st.LinkTarget, _ = os.Readlink(full)
	}
	if (strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.")) && !fi.IsDir() {
		return nil, "", errdefs.InvalidParameter(fmt.Errorf("not a directory: %s", p))
	}
	return st, full, nil
}

// ContainerStatPath stats a path in the container (HEAD archive).
func (d *Daemon) ContainerStatPath(ctx context.Context, name, p string) (*ctrrouter.ArchiveStat, error) {
	var st *ctrrouter.ArchiveStat
	err := d.withRootfs(ctx, name, func(root string) error {
		var err error
		st, _, err = statPath(root, p)
		return err
	})
	return st, err
}

// ContainerArchivePath returns a tar of a path in the container (docker cp
// from the container). Stopped containers are mounted for the copy.
func (d *Daemon) ContainerArchivePath(ctx context.Context, name, p string) (io.ReadCloser, *ctrrouter.ArchiveStat, error) {
	c, err := d.containers.Get(name)
	if err != nil {
		return nil, nil, err
	}
	ctrDir := d.containerDir(c.ID)
	pr, pw := io.Pipe()
	stCh := make(chan *ctrrouter.ArchiveStat, 1)
	errCh := make(chan error, 1)
	go func() {
		sent := false
		err := d.withRootfs(ctx, name, func(root string) error {
			st, full, err := statPathIn(root, ctrDir, p)
			if err != nil {
				return err
			}
			stCh <- st
			sent = true
			rebase := st.Name
			if strings.HasSuffix(p, "/.") {
				rebase = "."
			}
			return archive.TarPath(ctx, pw, full, rebase)
		})
		if !sent {
			errCh <- err
		}
		pw.CloseWithError(err)
	}()
	select {
	case st := <-stCh:
		return pr, st, nil
	case err := <-errCh:
		if err == nil {
			err = errors.New("archive: nothing to send")
		}
		return nil, nil, err
	}
}

// ContainerExtractToDir extracts a tar into a directory of the container
// (docker cp into the container), with the archive package's path checks.
func (d *Daemon) ContainerExtractToDir(ctx context.Context, name, p string, noOverwriteDirNonDir, copyUIDGID bool, content io.Reader) error {
	return d.withRootfs(ctx, name, func(root string) error {
		full, err := resolveInRoot(root, p)
		if err != nil {
			return err
		}
		// Resolve a final symlink safely too: extraction goes into its target.
		full, err = securejoin.SecureJoin(root, strings.TrimPrefix(full, root))
		if err != nil {
			return err
		}
		fi, err := os.Stat(full)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return errdefs.NotFound(fmt.Errorf("Could not find the file %s in container", p))
			}
			return err
		}
		if !fi.IsDir() {
			return errdefs.InvalidParameter(fmt.Errorf("extraction point is not a directory: %s", p))
		}
		return archive.Untar(ctx, content, full)
	})
}
