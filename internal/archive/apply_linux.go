package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/errdefs"
)

// WhiteoutMode says what Apply does with whiteout entries.
type WhiteoutMode int

const (
	// WhiteoutNone extracts .wh. entries as ordinary files (docker cp).
	WhiteoutNone WhiteoutMode = iota
	// WhiteoutDelete applies whiteouts to dir: the named paths are removed,
	// opaque directories lose the content of lower layers (copy driver).
	WhiteoutDelete
	// WhiteoutOverlay converts whiteouts to overlayfs form: a 0/0 character
	// device per deleted name and the trusted.overlay.opaque=y xattr on
	// opaque directories (dir is an overlay upper directory).
	WhiteoutOverlay
)

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	Whiteouts WhiteoutMode
	// NoChown skips changing ownership (set automatically when not root).
	NoChown bool
	// NoOverwriteDirNonDir refuses to replace a directory with a
	// non-directory or the reverse (docker cp), instead of replacing it.
	NoOverwriteDirNonDir bool
}

// Apply extracts the tar stream r into dir and returns the number of bytes of
// tar read. Every entry is checked before anything of it is written
// (CheckEntry: absolute names, names with "..", whiteouts of the root or
// above), and names whose parent inside dir is a symlink (a write through
// it could escape) are rejected with errdefs.InvalidParameter. A truncated or corrupt
// stream is an error; the caller discards dir.
func Apply(ctx context.Context, dir string, r io.Reader, opts ApplyOptions) (int64, error) {
	cr := &countReader{r: r}
	tr := tar.NewReader(cr)
	if os.Geteuid() != 0 {
		opts.NoChown = true
	}
	a := &applier{root: dir, opts: opts, unpacked: map[string]bool{}}
	var dirs []*tar.Header
	for {
		if err := ctx.Err(); err != nil {
			return cr.n, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return cr.n, errdefs.InvalidParameter(fmt.Errorf("read tar stream: %w", err))
		}
		name, err := CheckEntry(hdr)
		if err != nil {
			return cr.n, err
		}
		if name == "" {
			continue
		}
		hdr.Name = name
		done, err := a.whiteout(hdr)
		if err != nil {
			return cr.n, err
		}
		if done {
			continue
		}
		if err := a.entry(hdr, tr); err != nil {
			return cr.n, err
		}
		a.unpacked[name] = true
		if hdr.Typeflag == tar.TypeDir {
			dirs = append(dirs, hdr)
		}
	}
	// Directory times last: extracting children changed them.
	for _, hdr := range dirs {
		p := filepath.Join(dir, hdr.Name)
		_ = setTimes(p, hdr)
	}
	// Drain trailing padding so that the whole stream is counted.
	_, _ = io.Copy(io.Discard, cr)
	return cr.n, nil
}

type applier struct {
	root     string
	opts     ApplyOptions
	unpacked map[string]bool
}

// target returns the host path of the entry name after checking that no
// parent component inside root is a symlink.
func (a *applier) target(name string) (string, error) {
	parts := strings.Split(name, "/")
	p := a.root
	for _, part := range parts[:len(parts)-1] {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			// Missing parents are created as directories by entry.
			break
		}
		if err != nil {
			return "", fmt.Errorf("stat %s: %w", p, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return "", errdefs.InvalidParameter(fmt.Errorf("tar entry %q: parent %q is a symlink", name, strings.TrimPrefix(p, a.root+"/")))
		}
		if !fi.IsDir() {
			return "", errdefs.InvalidParameter(fmt.Errorf("tar entry %q: parent %q is not a directory", name, strings.TrimPrefix(p, a.root+"/")))
		}
	}
	return filepath.Join(a.root, name), nil
}

// whiteout handles whiteout entries; it reports whether hdr was consumed.
func (a *applier) whiteout(hdr *tar.Header) (bool, error) {
	if a.opts.Whiteouts == WhiteoutNone {
		return false, nil
	}
	kind, p := ParseWhiteout(hdr.Name)
	switch kind {
	case NotWhiteout:
		return false, nil
	case MetaWhiteout:
		return true, nil
	case OpaqueWhiteout:
		dir := a.root
		if p != "" {
			var err error
			if dir, err = a.target(p + "/x"); err != nil {
				return true, err
			}
			dir = filepath.Dir(dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return true, fmt.Errorf("create opaque dir %s: %w", p, err)
			}
		}
		if a.opts.Whiteouts == WhiteoutOverlay {
			if err := unix.Lsetxattr(dir, OverlayOpaqueXattr, []byte("y"), 0); err != nil {
				return true, fmt.Errorf("mark %s opaque: %w", p, err)
			}
			return true, nil
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return true, fmt.Errorf("read opaque dir %s: %w", p, err)
		}
		for _, e := range ents {
			rel := e.Name()
			if p != "" {
				rel = p + "/" + e.Name()
			}
			if a.unpacked[rel] {
				continue
			}
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return true, fmt.Errorf("clear opaque dir %s: %w", p, err)
			}
		}
		return true, nil
	case Whiteout:
		t, err := a.target(p)
		if err != nil {
			return true, err
		}
		if a.opts.Whiteouts == WhiteoutOverlay {
			if err := os.RemoveAll(t); err != nil {
				return true, fmt.Errorf("remove %s: %w", p, err)
			}
			if err := os.MkdirAll(filepath.Dir(t), 0o755); err != nil {
				return true, fmt.Errorf("create parent of %s: %w", p, err)
			}
			if err := unix.Mknod(t, unix.S_IFCHR, 0); err != nil {
				return true, fmt.Errorf("create whiteout %s: %w", p, err)
			}
			if !a.opts.NoChown {
				_ = os.Lchown(t, hdr.Uid, hdr.Gid)
			}
			return true, nil
		}
		if err := os.RemoveAll(t); err != nil {
			return true, fmt.Errorf("remove %s: %w", p, err)
		}
		return true, nil
	}
	return false, nil
}

func (a *applier) entry(hdr *tar.Header, r io.Reader) error {
	p, err := a.target(hdr.Name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("create parent of %s: %w", hdr.Name, err)
	}
	if fi, err := os.Lstat(p); err == nil {
		if a.opts.NoOverwriteDirNonDir && fi.IsDir() != (hdr.Typeflag == tar.TypeDir) {
			if fi.IsDir() {
				return errdefs.InvalidParameter(fmt.Errorf("cannot overwrite directory %q with non-directory %q", "/"+hdr.Name, hdr.Name))
			}
			return errdefs.InvalidParameter(fmt.Errorf("cannot overwrite non-directory %q with directory %q", "/"+hdr.Name, hdr.Name))
		}
		if !(fi.IsDir() && hdr.Typeflag == tar.TypeDir) {
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("replace %s: %w", hdr.Name, err)
			}
		}
	}
	mode := uint32(hdr.Mode & 0o7777)
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create dir %s: %w", hdr.Name, err)
		}
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("create file %s: %w", hdr.Name, err)
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			err = fmt.Errorf("write file %s: %w", hdr.Name, err)
			if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
				return err // the write's failure (a full disk), not the archive's
			}
			return errdefs.InvalidParameter(err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("close file %s: %w", hdr.Name, err)
		}
	case tar.TypeSymlink:
		if err := os.Symlink(hdr.Linkname, p); err != nil {
			return fmt.Errorf("create symlink %s: %w", hdr.Name, err)
		}
	case tar.TypeLink:
		ln, err := CleanEntryName(strings.TrimPrefix(hdr.Linkname, "/"))
		if err != nil || ln == "" {
			return errdefs.InvalidParameter(fmt.Errorf("tar entry %q: invalid hard link target %q", hdr.Name, hdr.Linkname))
		}
		src, err := a.target(ln)
		if err != nil {
			return err
		}
		if fi, err := os.Lstat(src); err != nil || fi.IsDir() {
			return errdefs.InvalidParameter(fmt.Errorf("tar entry %q: hard link target %q missing or a directory", hdr.Name, hdr.Linkname))
		}
		if err := os.Link(src, p); err != nil {
			return fmt.Errorf("create hard link %s: %w", hdr.Name, err)
		}
		return nil // a hard link shares the target's metadata
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		m := mode
		switch hdr.Typeflag {
		case tar.TypeChar:
			m |= unix.S_IFCHR
		case tar.TypeBlock:
			m |= unix.S_IFBLK
		default:
			m |= unix.S_IFIFO
		}
		if err := unix.Mknod(p, m, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))); err != nil {
			if hdr.Typeflag != tar.TypeFifo && errors.Is(err, unix.EPERM) {
				return nil // devices need privileges; skip as rootless engines do
			}
			return fmt.Errorf("create device %s: %w", hdr.Name, err)
		}
	case tar.TypeXGlobalHeader, tar.TypeXHeader:
		return nil
	default:
		return errdefs.InvalidParameter(fmt.Errorf("tar entry %q: unsupported type %q", hdr.Name, hdr.Typeflag))
	}
	if !a.opts.NoChown {
		if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
			return fmt.Errorf("chown %s: %w", hdr.Name, err)
		}
	}
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			if err := unix.Lsetxattr(p, name, []byte(v), 0); err != nil &&
				!errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EPERM) {
				return fmt.Errorf("set xattr %s on %s: %w", name, hdr.Name, err)
			}
		}
	}
	if hdr.Typeflag != tar.TypeSymlink {
		if err := unix.Fchmodat(unix.AT_FDCWD, p, mode, 0); err != nil {
			return fmt.Errorf("chmod %s: %w", hdr.Name, err)
		}
	}
	if hdr.Typeflag != tar.TypeDir {
		_ = setTimes(p, hdr)
	}
	return nil
}

func setTimes(p string, hdr *tar.Header) error {
	at := hdr.AccessTime
	if at.IsZero() {
		at = hdr.ModTime
	}
	ts := []unix.Timespec{timespec(at), timespec(hdr.ModTime)}
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
}

func timespec(t time.Time) unix.Timespec {
	if t.IsZero() {
		return unix.Timespec{Sec: 0, Nsec: unix.UTIME_OMIT}
	}
	return unix.NsecToTimespec(t.UnixNano())
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
