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
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// tarWriter writes host files as tar entries, turning repeated inodes into
// hard links.
type tarWriter struct {
	tw    *tar.Writer
	links map[uint64]string // inode → first entry name
}

func newTarWriter(w io.Writer) *tarWriter {
	return &tarWriter{tw: tar.NewWriter(w), links: map[uint64]string{}}
}

func (t *tarWriter) close() error { return t.tw.Close() }

// add writes the host path p as the entry name.
func (t *tarWriter) add(p, name string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("stat %s: %w", p, err)
	}
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(p); err != nil {
			return fmt.Errorf("read link %s: %w", p, err)
		}
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return fmt.Errorf("tar header for %s: %w", p, err)
	}
	hdr.Name = name
	if fi.IsDir() && !strings.HasSuffix(name, "/") {
		hdr.Name += "/"
	}
	hdr.Uname, hdr.Gname = "", ""
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	hdr.ModTime = hdr.ModTime.Truncate(time.Second)
	hdr.Format = tar.FormatPAX
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
		if fi.Mode().IsRegular() && st.Nlink > 1 {
			if first, ok := t.links[st.Ino]; ok {
				hdr.Typeflag = tar.TypeLink
				hdr.Linkname = first
				hdr.Size = 0
			} else {
				t.links[st.Ino] = name
			}
		}
		if fi.Mode()&(fs.ModeDevice|fs.ModeCharDevice) != 0 {
			hdr.Devmajor = int64(unix.Major(uint64(st.Rdev)))
			hdr.Devminor = int64(unix.Minor(uint64(st.Rdev)))
		}
	}
	if xa := xattrs(p); len(xa) > 0 {
		hdr.PAXRecords = map[string]string{}
		for k, v := range xa {
			hdr.PAXRecords["SCHILY.xattr."+k] = v
		}
	}
	if err := t.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write tar header %s: %w", name, err)
	}
	if hdr.Typeflag == tar.TypeReg && hdr.Size > 0 {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("open %s: %w", p, err)
		}
		defer f.Close()
		if _, err := io.CopyN(t.tw, f, hdr.Size); err != nil {
			return fmt.Errorf("copy %s: %w", p, err)
		}
	}
	return nil
}

// addWhiteout writes an empty regular file entry (a whiteout marker).
func (t *tarWriter) addWhiteout(name string) error {
	return t.tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Format: tar.FormatPAX})
}

// xattrs returns the extended attributes of p worth keeping in a layer
// (security.capability and user.*); overlayfs' own trusted.overlay.* are
// never copied.
func xattrs(p string) map[string]string {
	sz, err := unix.Llistxattr(p, nil)
	if err != nil || sz <= 0 {
		return nil
	}
	buf := make([]byte, sz)
	sz, err = unix.Llistxattr(p, buf)
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, k := range strings.Split(string(buf[:sz]), "\x00") {
		if k == "" || !(k == "security.capability" || strings.HasPrefix(k, "user.")) {
			continue
		}
		vsz, err := unix.Lgetxattr(p, k, nil)
		if err != nil || vsz < 0 {
			continue
		}
		v := make([]byte, vsz)
		if vsz, err = unix.Lgetxattr(p, k, v); err == nil {
			out[k] = string(v[:vsz])
		}
	}
	return out
}

// walkSorted calls fn for every path under dir (not dir itself), parents
// before children, in lexical order; rel uses forward slashes. fn returning
// fs.SkipDir skips a directory's children.
func walkSorted(dir string, fn func(rel string, fi fs.FileInfo) error) error {
	var walk func(rel string) error
	walk = func(rel string) error {
		ents, err := os.ReadDir(filepath.Join(dir, rel))
		if err != nil {
			return fmt.Errorf("read dir %s: %w", filepath.Join(dir, rel), err)
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		for _, e := range ents {
			r := e.Name()
			if rel != "" {
				r = rel + "/" + e.Name()
			}
			fi, err := e.Info()
			if err != nil {
				return fmt.Errorf("stat %s: %w", r, err)
			}
			err = fn(r, fi)
			if errors.Is(err, fs.SkipDir) {
				continue
			}
			if err != nil {
				return err
			}
			if fi.IsDir() {
				if err := walk(r); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk("")
}

// TarDir writes the content of dir as a tar stream (entries relative to dir,
// as docker export does).
func TarDir(ctx context.Context, w io.Writer, dir string) error {
	tw := newTarWriter(w)
	err := walkSorted(dir, func(rel string, fi fs.FileInfo) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return tw.add(filepath.Join(dir, rel), rel)
	})
	if err != nil {
		return err
	}
	return tw.close()
}

// TarPath writes src (a file or a directory tree) as a tar stream whose top
// entry is named rebase (filepath.Base(src) when empty), as docker cp does.
// Symlinks are archived as links, never followed.
func TarPath(ctx context.Context, w io.Writer, src, rebase string) error {
	if rebase == "" {
		rebase = filepath.Base(src)
	}
	rebase = strings.Trim(filepath.ToSlash(rebase), "/")
	tw := newTarWriter(w)
	if err := tw.add(src, rebase); err != nil {
		return err
	}
	fi, err := os.Lstat(src)
	if err != nil {
		return fmt.Errorf("stat %s: %w", src, err)
	}
	if fi.IsDir() {
		err := walkSorted(src, func(rel string, fi fs.FileInfo) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return tw.add(filepath.Join(src, rel), rebase+"/"+rel)
		})
		if err != nil {
			return err
		}
	}
	return tw.close()
}

// Untar extracts the tar stream r into the existing directory dst without
// whiteout processing and with the path checks of Apply (docker cp into a
// container). An existing directory is never replaced by a file or the
// reverse.
func Untar(ctx context.Context, r io.Reader, dst string) error {
	_, err := Apply(ctx, dst, r, ApplyOptions{Whiteouts: WhiteoutNone, NoOverwriteDirNonDir: true})
	return err
}

// IsOverlayWhiteout reports whether fi is an overlayfs whiteout (a 0/0
// character device).
func IsOverlayWhiteout(fi fs.FileInfo) bool {
	if fi.Mode()&fs.ModeCharDevice == 0 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Rdev == 0
}

// IsOverlayOpaque reports whether the directory p carries the overlayfs
// opaque xattr.
func IsOverlayOpaque(p string) bool {
	buf := make([]byte, 4)
	n, err := unix.Lgetxattr(p, OverlayOpaqueXattr, buf)
	return err == nil && n == 1 && buf[0] == 'y'
}

// TarOverlayUpper writes the overlayfs upper directory upper as an OCI layer
// tar: whiteout devices become .wh.<name> entries and opaque directories get
// a .wh..wh..opq entry.
func TarOverlayUpper(ctx context.Context, w io.Writer, upper string) error {
	tw := newTarWriter(w)
	err := walkSorted(upper, func(rel string, fi fs.FileInfo) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := filepath.Join(upper, rel)
		if IsOverlayWhiteout(fi) {
			return tw.addWhiteout(WhiteoutName(rel))
		}
		if err := tw.add(p, rel); err != nil {
			return err
		}
		if fi.IsDir() && IsOverlayOpaque(p) {
			return tw.addWhiteout(OpaqueName(rel))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.close()
}

// TarChanges writes a layer tar of changes made in dir: added and modified
// paths are read from dir, deleted ones become whiteouts.
func TarChanges(ctx context.Context, w io.Writer, dir string, changes []Change) error {
	tw := newTarWriter(w)
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := strings.TrimPrefix(c.Path, "/")
		if c.Kind == ChangeDelete {
			if err := tw.addWhiteout(WhiteoutName(rel)); err != nil {
				return err
			}
			continue
		}
		if err := tw.add(filepath.Join(dir, rel), rel); err != nil {
			return err
		}
	}
	return tw.close()
}
