package container

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// writeTar writes src as a tar stream whose root entry is named name (or,
// with contents, only what the directory src holds) and returns the bytes of
// file data written.
func writeTar(w io.Writer, src, name string, contents bool) (int64, error) {
	tw := tar.NewWriter(w)
	var total int64
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		var entry string
		switch {
		case contents && rel == ".":
			return nil
		case contents:
			entry = filepath.ToSlash(rel)
		case rel == ".":
			entry = name
		default:
			entry = path.Join(name, filepath.ToSlash(rel))
		}
		link := ""
		if info.Mode()&os.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		hdr.Name = entry
		if info.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			n, err := io.Copy(tw, f)
			f.Close()
			total += n
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return total, err
	}
	return total, tw.Close()
}

// extractTar unpacks a tar stream from the daemon into dir. Entries are
// either prefixed by the source's base name (root) or, for a source ending
// in "/.", relative to the source directory ("./", "./x"). The root entry
// is renamed to rename when not empty; with contents the source's children
// land directly in dir. Entries never escape dir. It returns the bytes of
// file data written.
func extractTar(r io.Reader, dir, root, rename string, contents, chown bool) (int64, error) {
	tr := tar.NewReader(r)
	var total int64
	dotRoot, first := false, true
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("read archive: %w", err)
		}
		name := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if first {
			dotRoot, first = name == "", false
		}
		name, skip := mapEntry(name, root, rename, dotRoot, contents)
		if skip {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if target != filepath.Clean(dir) && !strings.HasPrefix(target, filepath.Clean(dir)+string(filepath.Separator)) {
			return total, fmt.Errorf("archive entry %q escapes %s", hdr.Name, dir)
		}
		if err := noSymlinkParents(dir, name); err != nil {
			return total, err
		}
		mode := os.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, mode); err != nil {
				return total, err
			}
			os.Chmod(target, mode)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(target), 0o755)
			os.Remove(target)
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
			if err != nil {
				return total, err
			}
			n, err := io.Copy(f, tr)
			total += n
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return total, err
			}
			os.Chmod(target, mode)
		case tar.TypeSymlink:
			os.Remove(target)
			if err := os.Symlink(hdr.Linkname, target); err != nil {
				return total, err
			}
		case tar.TypeLink:
			linkName, _ := mapEntry(strings.TrimPrefix(path.Clean("/"+hdr.Linkname), "/"), root, rename, dotRoot, contents)
			old := filepath.Join(dir, filepath.FromSlash(linkName))
			if !strings.HasPrefix(old, filepath.Clean(dir)+string(filepath.Separator)) {
				return total, fmt.Errorf("archive link %q escapes %s", hdr.Linkname, dir)
			}
			os.Remove(target)
			if err := os.Link(old, target); err != nil {
				return total, err
			}
		default:
			continue
		}
		if chown {
			os.Lchown(target, hdr.Uid, hdr.Gid)
		}
		if hdr.Typeflag != tar.TypeSymlink {
			os.Chtimes(target, hdr.ModTime, hdr.ModTime)
		}
	}
}

// mapEntry places one archive path (already cleaned, relative) under the
// extraction directory: re-rooted under root for "./" archives, the root
// renamed, or stripped with contents. skip is true for the root entry
// itself in contents mode.
func mapEntry(name, root, rename string, dotRoot, contents bool) (string, bool) {
	if dotRoot {
		name = path.Join(root, name)
	}
	top, rest, _ := strings.Cut(name, "/")
	switch {
	case contents && top == root:
		if rest == "" {
			return "", true
		}
		return rest, false
	case rename != "" && top == root:
		return path.Join(rename, rest), false
	}
	return name, false
}

// noSymlinkParents refuses entries whose parent directories inside dir are
// symlinks: an archive holding "a -> /etc" then "a/passwd" must not write
// outside dir.
func noSymlinkParents(dir, name string) error {
	cur := dir
	parts := strings.Split(name, "/")
	for _, p := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, p)
		fi, err := os.Lstat(cur)
		if err != nil {
			return nil // not there yet: it will be made as a directory
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("archive entry %q passes through symlink %s", name, cur)
		}
	}
	return nil
}
