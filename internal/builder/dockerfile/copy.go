package dockerfile

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/berth/berth/internal/archive"
)

type copyReq struct {
	text         string
	sd           instructions.SourcesAndDest
	from         string
	chown, chmod string
	add          bool
}

// source is one resolved COPY/ADD source.
type source struct {
	abs  string // path on disk
	name string // base name used when the destination is a directory
	rel  string // context-relative path (for precomputed checksums), "" if none
	url  bool   // downloaded by ADD: never extracted, mode 0600
}

func (r copyReq) verb() string {
	if r.add {
		return "ADD"
	}
	return "COPY"
}

func (b *build) copy(ctx context.Context, i int, s *stageState, r copyReq) error {
	if len(r.sd.SourceContents) > 0 {
		return fmt.Errorf("%s with a here-document is not supported by the classic builder", r.verb())
	}
	if r.from == "" {
		return b.copyFrom(ctx, s, r, b.bc.Dir, false)
	}
	img := ""
	if j, ok := b.stageIndex(r.from, i); ok {
		img = b.results[j]
	} else {
		im, err := b.b.GetImage(ctx, r.from, false, b.out)
		if err != nil {
			return fmt.Errorf("invalid from flag value %s: %w", r.from, err)
		}
		img = im.ID
	}
	if img == "" {
		return fmt.Errorf("%s failed: no source files were specified", r.verb())
	}
	return b.b.View(ctx, img, func(root string) error { return b.copyFrom(ctx, s, r, root, true) })
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func hasGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// copyFrom runs a COPY/ADD whose sources live under srcRoot: the build
// context (links must stay inside) or an image (scoped resolution).
func (b *build) copyFrom(ctx context.Context, s *stageState, r copyReq, srcRoot string, scoped bool) error {
	var srcs []source
	multi := len(r.sd.SourcePaths) > 1
	var tmp string
	defer func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}()
	for _, p := range r.sd.SourcePaths {
		switch {
		case r.add && isURL(p):
			if tmp == "" {
				var err error
				if tmp, err = os.MkdirTemp(filepath.Dir(b.bc.Dir), "add-"); err != nil {
					return err
				}
			}
			src, err := download(ctx, p, tmp)
			if err != nil {
				return err
			}
			srcs = append(srcs, src)
		case hasGlob(p):
			c := path.Clean(p)
			if !scoped && (c == ".." || strings.HasPrefix(c, "../")) {
				return errOutside(p)
			}
			matches, err := filepath.Glob(filepath.Join(srcRoot, filepath.FromSlash(strings.TrimPrefix(path.Clean("/"+c), "/"))))
			if err != nil {
				return fmt.Errorf("%s failed: %w", r.verb(), err)
			}
			for _, m := range matches {
				rel := filepath.ToSlash(strings.TrimPrefix(m, srcRoot+"/"))
				abs, err := resolve(srcRoot, rel, scoped)
				if err != nil {
					return fmt.Errorf("%s failed: %w", r.verb(), err)
				}
				srcs = append(srcs, source{abs: abs, name: path.Base(rel), rel: relOf(srcRoot, abs, scoped)})
			}
		default:
			abs, err := resolve(srcRoot, p, scoped)
			if err != nil {
				return fmt.Errorf("%s failed: %w", r.verb(), err)
			}
			if _, err := os.Lstat(abs); err != nil {
				if scoped {
					return fmt.Errorf("%s failed: stat %s: file does not exist", r.verb(), p)
				}
				return fmt.Errorf("%s failed: file not found in build context or excluded by .dockerignore: stat %s: file does not exist", r.verb(), p)
			}
			srcs = append(srcs, source{abs: abs, name: path.Base(path.Clean("/" + p)), rel: relOf(srcRoot, abs, scoped)})
		}
	}
	if len(srcs) == 0 {
		return fmt.Errorf("%s failed: no source files were specified", r.verb())
	}
	multi = multi || len(srcs) > 1
	dest := r.sd.DestPath
	destIsDir := strings.HasSuffix(dest, "/") || dest == "." || strings.HasSuffix(dest, "/.")
	if multi && !destIsDir {
		return fmt.Errorf("When using %s with more than one source file, the destination must be a directory and end with a /", r.verb())
	}
	if !path.IsAbs(dest) {
		wd := s.cfg.WorkingDir
		if wd == "" {
			wd = "/"
		}
		dest = path.Join(wd, dest)
	}
	dest = path.Clean(dest)
	var mode *fs.FileMode
	if r.chmod != "" {
		m, err := strconv.ParseUint(r.chmod, 8, 32)
		if err != nil || m > 0o7777 {
			return fmt.Errorf("invalid chmod parameter: %s", r.chmod)
		}
		fm := fs.FileMode(m)
		mode = &fm
	}

	h := sha256.New()
	for _, src := range srcs {
		if err := b.hashTree(h, src, scoped); err != nil {
			return err
		}
	}
	key := stepKey(s.image, r.text, configJSON(s.cfg), hex.EncodeToString(h.Sum(nil)))
	if id, ok := b.cached(ctx, key); ok {
		s.image = id
		return nil
	}
	createdBy := "/bin/sh -c #(nop) " + r.text
	id, err := b.b.Mutate(ctx, s.image, s.cfg, createdBy, func(root string) error {
		uid, gid := 0, 0
		if r.chown != "" {
			var err error
			if uid, gid, err = lookupOwner(root, r.chown); err != nil {
				return err
			}
		}
		for _, src := range srcs {
			if err := copyOne(root, src, dest, destIsDir, r.add, uid, gid, r.chown != "", mode); err != nil {
				return fmt.Errorf("%s failed: %w", r.verb(), err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.image = id
	b.record(key, id)
	return nil
}

func relOf(root, abs string, scoped bool) string {
	if scoped {
		return ""
	}
	if abs == root {
		return "."
	}
	return filepath.ToSlash(strings.TrimPrefix(abs, root+"/"))
}

// hashTree adds the content, mode, type and link targets of everything
// under src to h (names relative to src, so the source's own location
// matters only through the instruction text).
func (b *build) hashTree(h hash.Hash, src source, scoped bool) error {
	return filepath.WalkDir(src.abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, src.abs)
		fmt.Fprintf(h, "%q %o %d", rel, fi.Mode(), fi.Size())
		if st, ok := statOwner(fi); ok && scoped {
			fmt.Fprintf(h, " %d:%d", st[0], st[1])
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			fmt.Fprintf(h, " -> %q", l)
		case fi.Mode().IsRegular():
			var sum []byte
			if src.rel != "" && !scoped {
				r := src.rel
				if rel != "" {
					r = path.Join(src.rel, filepath.ToSlash(strings.TrimPrefix(rel, "/")))
				}
				sum = b.bc.sums[path.Clean(r)]
			}
			if sum == nil {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				fh := sha256.New()
				_, err = io.Copy(fh, f)
				f.Close()
				if err != nil {
					return err
				}
				sum = fh.Sum(nil)
			}
			fmt.Fprintf(h, " %x", sum)
		}
		h.Write([]byte{'\n'})
		return nil
	})
}

// copyOne copies src to dest inside the image root with Docker's rules: a
// directory's content goes into dest; a file goes to dest, or into it when
// dest is (or is written as) a directory; ADD extracts a local tar archive
// into dest.
func copyOne(root string, src source, dest string, destIsDir, add bool, uid, gid int, chown bool, mode *fs.FileMode) error {
	fi, err := os.Stat(src.abs)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		dst, err := resolve(root, dest, true)
		if err != nil {
			return err
		}
		if err := mkdirAllOwned(root, dst, uid, gid); err != nil {
			return err
		}
		return copyTree(root, src.abs, dest, uid, gid, mode)
	}
	if add && !src.url {
		if ok, err := extractIfArchive(root, src.abs, dest); ok || err != nil {
			return err
		}
	}
	target := dest
	dst, err := resolve(root, dest, true)
	if err != nil {
		return err
	}
	if st, err := os.Stat(dst); destIsDir || (err == nil && st.IsDir()) {
		target = path.Join(dest, src.name)
	}
	dst, err = resolve(root, target, true)
	if err != nil {
		return err
	}
	if err := mkdirAllOwned(root, filepath.Dir(dst), uid, gid); err != nil {
		return err
	}
	m := fi.Mode().Perm() | fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
	if src.url {
		m = 0o600
	}
	if mode != nil {
		m = *mode
	}
	return copyFile(src.abs, dst, fi, m, uid, gid)
}

// copyTree copies the content of directory src into dest (an image path).
func copyTree(root, src, dest string, uid, gid int, mode *fs.FileMode) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, src)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		dst, err := resolve(root, path.Join(dest, filepath.ToSlash(rel)), true)
		if err != nil {
			return err
		}
		perm := fi.Mode().Perm() | fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
		if mode != nil {
			perm = *mode
		}
		switch {
		case fi.IsDir() && rel == "":
			// The destination itself: made by mkdirAllOwned when missing,
			// left as it is otherwise (COPY . / must not chmod /).
			return nil
		case fi.IsDir():
			if err := os.Mkdir(dst, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			return setOwnerModeTime(dst, fi, perm, uid, gid)
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			_ = os.RemoveAll(dst)
			if err := os.Symlink(l, dst); err != nil {
				return err
			}
			return os.Lchown(dst, uid, gid)
		case fi.Mode().IsRegular():
			return copyFile(p, dst, fi, perm, uid, gid)
		}
		return nil // devices, fifos, sockets: not copied
	})
}

func copyFile(src, dst string, fi fs.FileInfo, perm fs.FileMode, uid, gid int) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if st, err := os.Lstat(dst); err == nil && (st.IsDir() || st.Mode()&fs.ModeSymlink != 0) {
		if err := os.RemoveAll(dst); err != nil {
			return err
		}
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return setOwnerModeTime(dst, fi, perm, uid, gid)
}

// setOwnerModeTime gives the copy dst of fi the owner uid:gid, the mode
// perm and fi's modification time.
func setOwnerModeTime(dst string, fi fs.FileInfo, perm fs.FileMode, uid, gid int) error {
	if err := os.Lchown(dst, uid, gid); err != nil {
		return err
	}
	if err := os.Chmod(dst, perm); err != nil {
		return err
	}
	return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
}

// mkdirAllOwned creates dir (a resolved path under root) and its missing
// parents with mode 0755; the ones it creates get uid:gid (unless -1).
func mkdirAllOwned(root, dir string, uid, gid int) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", strings.TrimPrefix(dir, root))
		}
		return nil
	}
	if dir == root || len(dir) < len(root) {
		return nil
	}
	if err := mkdirAllOwned(root, filepath.Dir(dir), uid, gid); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if uid >= 0 {
		return os.Lchown(dir, uid, gid)
	}
	return nil
}

// extractIfArchive unpacks src into the image directory dest when src is
// a (possibly compressed) tar archive; entries keep their ownership and
// modes and cannot leave the root. Every entry name is checked first with
// the layer rules of archive.CheckEntry (no "..", no whiteout of the root).
func extractIfArchive(root, src, dest string) (bool, error) {
	f, err := os.Open(src)
	if err != nil {
		return false, err
	}
	defer f.Close()
	r, err := decompress(f)
	if err != nil {
		return false, nil
	}
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if err != nil {
		return false, nil
	}
	base, err := resolve(root, dest, true)
	if err != nil {
		return true, err
	}
	if err := mkdirAllOwned(root, base, -1, -1); err != nil {
		return true, err
	}
	for ; err == nil; hdr, err = tr.Next() {
		rel, cerr := archive.CheckEntry(hdr)
		if cerr != nil {
			return true, cerr
		}
		if rel == "" {
			continue
		}
		name := "/" + rel
		dst, err := resolve(root, path.Join(dest, name), true)
		if err != nil {
			return true, err
		}
		if err := mkdirAllOwned(root, filepath.Dir(dst), -1, -1); err != nil {
			return true, err
		}
		m := fs.FileMode(hdr.Mode) & fs.ModePerm
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(dst, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return true, err
			}
			_ = os.Chmod(dst, m)
		case tar.TypeReg, tar.TypeRegA:
			_ = os.RemoveAll(dst)
			out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return true, err
			}
			_, err = io.Copy(out, tr)
			out.Close()
			if err != nil {
				return true, err
			}
			_ = os.Chmod(dst, m)
		case tar.TypeSymlink:
			_ = os.RemoveAll(dst)
			if err := os.Symlink(hdr.Linkname, dst); err != nil {
				return true, err
			}
		case tar.TypeLink:
			old, err := resolve(root, path.Join(dest, path.Clean("/"+hdr.Linkname)), true)
			if err != nil {
				return true, err
			}
			_ = os.RemoveAll(dst)
			if err := os.Link(old, dst); err != nil {
				return true, err
			}
		default:
			continue
		}
		_ = os.Lchown(dst, hdr.Uid, hdr.Gid)
		if hdr.Typeflag != tar.TypeSymlink {
			_ = os.Chtimes(dst, hdr.ModTime, hdr.ModTime)
		}
	}
	if !errors.Is(err, io.EOF) {
		return true, fmt.Errorf("extract %s: %w", filepath.Base(src), err)
	}
	return true, nil
}

// download fetches an ADD URL into dir.
func download(ctx context.Context, rawURL, dir string) (source, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return source{}, err
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." || name == "" {
		return source{}, fmt.Errorf("cannot determine filename from url: %s", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return source{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return source{}, fmt.Errorf("ADD failed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return source{}, fmt.Errorf("ADD failed: failed to GET %s with status %s", rawURL, resp.Status)
	}
	p := filepath.Join(dir, strconv.Itoa(int(time.Now().UnixNano())))
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return source{}, err
	}
	_, err = io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return source{}, fmt.Errorf("ADD failed: download %s: %w", rawURL, err)
	}
	if lm, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		_ = os.Chtimes(p, lm, lm)
	}
	return source{abs: p, name: name, url: true}, nil
}
