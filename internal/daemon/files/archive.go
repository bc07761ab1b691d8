package files

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/backend"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/recovery"
)

// cleanContainerPath checks and cleans a path given for a container.
func cleanContainerPath(p string) (string, error) {
	if p == "" {
		return "", errdefs.InvalidParameter(errors.New("path cannot be empty"))
	}
	return path.Clean("/" + p), nil
}

// errNoFile is dockerd's answer for a path missing in container name.
func errNoFile(p, name string) error {
	return errdefs.NotFound(fmt.Errorf("Could not find the file %s in container %s", p, name))
}

// engineFile returns the host path of a file the engine bind-mounts into
// the container at p, or "".
func engineFile(ctrDir, clean string) string {
	switch clean {
	case "/etc/hostname", "/etc/hosts", "/etc/resolv.conf":
		if ctrDir != "" {
			return filepath.Join(ctrDir, path.Base(clean))
		}
	}
	return ""
}

// statClean stats clean (in the current root: call it inside
// mount.InRoot, or on an engine file), not following a final symlink.
// name is the container as the client named it, for dockerd's message.
func statClean(full, p, name string) (*backend.ArchiveStat, error) {
	fi, err := os.Lstat(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil, errNoFile(p, name)
		}
		return nil, err
	}
	st := &backend.ArchiveStat{Name: path.Base(path.Clean("/" + p)), Size: fi.Size(), Mode: fi.Mode(), Mtime: fi.ModTime()}
	if fi.Mode()&os.ModeSymlink != 0 {
		st.LinkTarget, _ = os.Readlink(full)
	}
	// A trailing "/." or "/" asks for the directory's content; it must be a dir.
	if (strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.")) && !fi.IsDir() {
		return nil, errdefs.InvalidParameter(fmt.Errorf("not a directory: %s", p))
	}
	return st, nil
}

// inContainer runs fn on the host path of an engine file, or else inside
// root, with the container's volumes and binds in place (mount.InRoot), on
// the cleaned container path.
func inContainer(root, ctrDir, clean string, binds []mount.Bind, fn func(full string) error) error {
	if f := engineFile(ctrDir, clean); f != "" {
		return fn(f)
	}
	return mount.InRoot(root, binds, func() error { return fn(clean) })
}

// ContainerStatPath stats a path in the container (HEAD archive).
func (s *Service) ContainerStatPath(ctx context.Context, name, p string) (*backend.ArchiveStat, error) {
	clean, err := cleanContainerPath(p)
	if err != nil {
		return nil, err
	}
	c, err := s.containers.Container(name)
	if err != nil {
		return nil, err
	}
	var st *backend.ArchiveStat
	err = s.withRootfs(ctx, c, func(root string) error {
		return inContainer(root, "", clean, c.Binds, func(full string) error {
			var err error
			st, err = statClean(full, p, name)
			return err
		})
	})
	return st, err
}

// ContainerArchivePath returns a tar of a path in the container (docker cp
// from the container). Stopped containers are mounted for the copy.
func (s *Service) ContainerArchivePath(ctx context.Context, name, p string) (io.ReadCloser, *backend.ArchiveStat, error) {
	c, err := s.containers.Container(name)
	if err != nil {
		return nil, nil, err
	}
	clean, err := cleanContainerPath(p)
	if err != nil {
		return nil, nil, err
	}
	pr, pw := io.Pipe()
	stCh := make(chan *backend.ArchiveStat, 1)
	errCh := make(chan error, 1)
	recovery.Go(s.log, "archive of "+name, func() {
		s.panicPoint("archive-panic")
		sent := false
		err := s.withRootfs(ctx, c, func(root string) error {
			return inContainer(root, c.Dir, clean, c.Binds, func(full string) error {
				st, err := statClean(full, p, name)
				if err != nil {
					return err
				}
				stCh <- st
				sent = true
				return tarPath(ctx, pw, full, st.Name, p)
			})
		})
		if !sent {
			errCh <- err
		}
		pw.CloseWithError(err)
	}, func(err error) {
		select {
		case errCh <- err:
		default:
		}
		pw.CloseWithError(err)
	})
	select {
	case st := <-stCh:
		s.containers.LogContainerEvent(c.ID, "archive-path")
		return pr, st, nil
	case err := <-errCh:
		if err == nil {
			err = errors.New("archive: nothing to send")
		}
		return nil, nil, err
	}
}

// tarPath writes the tar of full to w, its entries named under base, or
// under "." when the client asked for a directory's content (p ends in
// "/.").
func tarPath(ctx context.Context, w io.Writer, full, base, p string) error {
	if strings.HasSuffix(p, "/.") {
		base = "."
	}
	// Buffered: the thread is locked, and every blocking write to the
	// pipe would cost a hand-off between OS threads.
	bw := bufio.NewWriterSize(w, 256<<10)
	if err := archive.TarPath(ctx, bw, full, base); err != nil {
		return err
	}
	return bw.Flush()
}

// ContainerExtractToDir extracts a tar into a directory of the container
// (docker cp into the container), with the archive package's path checks.
// A final symlink is followed, inside the container.
func (s *Service) ContainerExtractToDir(ctx context.Context, name, p string, noOverwriteDirNonDir, copyUIDGID bool, content io.Reader) error {
	clean, err := cleanContainerPath(p)
	if err != nil {
		return err
	}
	c, err := s.containers.Container(name)
	if err != nil {
		return err
	}
	err = s.withRootfs(ctx, c, func(root string) error {
		return mount.InRoot(root, c.Binds, func() error {
			fi, err := os.Stat(clean)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return errNoFile(p, name)
				}
				return err
			}
			if !fi.IsDir() {
				return errdefs.InvalidParameter(fmt.Errorf("extraction point is not a directory: %s", p))
			}
			return archive.Untar(ctx, bufio.NewReaderSize(content, 256<<10), clean)
		})
	})
	if err == nil {
		s.containers.LogContainerEvent(c.ID, "extract-to-dir")
	}
	return err
}
