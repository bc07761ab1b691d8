package dockerfile

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/ulikunitz/xz"
)

// BuildContext is a build context unpacked on disk.
type BuildContext struct {
	Dir string
	// sums holds the sha256 of every regular file, computed while the
	// context was unpacked (context-relative slash paths).
	sums map[string][]byte
	// dockerfile is the Dockerfile, read before .dockerignore applies
	// (it may exclude the Dockerfile from COPY, never from the build).
	dockerfile    []byte
	dockerfileErr error
}

// decompress returns r, uncompressed if it starts with a gzip, bzip2 or
// xz header.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return gzip.NewReader(br)
	case bytes.HasPrefix(head, []byte("BZh")):
		return bzip2.NewReader(br), nil
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return xz.NewReader(br)
	}
	return br, nil
}

// ExtractContext unpacks the context tar stream r (optionally compressed)
// into dir, which must exist and be empty. Entries are written as they
// arrive, never held in memory. Paths are confined to dir: ".." and
// absolute names are cleaned into it and no entry is written through a
// symbolic link. Then what .dockerignore excludes is removed (the
// Dockerfile named dockerfile and .dockerignore itself stay).
func ExtractContext(r io.Reader, dir, dockerfile string) (*BuildContext, error) {
	r, err := decompress(r)
	if err != nil {
		return nil, fmt.Errorf("read build context: %w", err)
	}
	bc := &BuildContext{Dir: dir, sums: map[string][]byte{}}
	tr := tar.NewReader(r)
	buf := [2][]byte{make([]byte, 1<<20), make([]byte, 1<<20)}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read build context: %w", err)
		}
		rel := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if rel == "" {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(rel))
		if err := checkNoSymlinkParents(dir, rel); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return nil, err
		}
		mode := os.FileMode(hdr.Mode & 0o7777)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if fi, err := os.Lstat(target); err == nil && fi.IsDir() {
				_ = os.Chmod(target, mode|0o700)
				continue
			}
			if err := os.Mkdir(target, mode|0o700); err != nil {
				return nil, err
			}
		case tar.TypeReg, tar.TypeRegA:
			_ = os.Remove(target)
			f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode|0o600)
			if err != nil {
				return nil, err
			}
			sum, err := copySum(f, tr, hdr.Size, buf)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return nil, fmt.Errorf("read build context: %w", err)
			}
			if err := os.Chmod(target, mode); err != nil {
				return nil, err
			}
			bc.sums[rel] = sum
		case tar.TypeSymlink:
			_ = os.Remove(target)
			if err := os.Symlink(hdr.Linkname, target); err != nil {
				return nil, err
			}
		case tar.TypeLink:
			src := strings.TrimPrefix(path.Clean("/"+hdr.Linkname), "/")
			if err := checkNoSymlinkParents(dir, src); err != nil {
				return nil, err
			}
			fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(src)))
			if err != nil || !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("invalid build context: hard link %s to %s", hdr.Name, hdr.Linkname)
			}
			_ = os.Remove(target)
			if err := os.Link(filepath.Join(dir, filepath.FromSlash(src)), target); err != nil {
				return nil, err
			}
			bc.sums[rel] = bc.sums[src]
		default:
			// Devices and fifos have no place in a build context.
			continue
		}
		if hdr.Typeflag != tar.TypeSymlink {
			_ = os.Chtimes(target, hdr.ModTime, hdr.ModTime)
		}
	}
	bc.dockerfile, bc.dockerfileErr = ReadDockerfile(bc, dockerfile)
	if err := bc.applyIgnore(); err != nil {
		return nil, err
	}
	return bc, nil
}

// copySum copies src (size bytes long) to dst and returns the sha256 of
// the bytes.
func copySum(dst io.Writer, src io.Reader, size int64, buf [2][]byte) ([]byte, error) {
	if size > int64(len(buf[0])) {
		return copyHash(dst, src, buf)
	}
	h := sha256.New()
	_, err := io.CopyBuffer(io.MultiWriter(dst, h), src, buf[0])
	return h.Sum(nil), err
}

// copyHash copies src to dst and returns the sha256 of the bytes, hashing
// one buffer on another goroutine while the next is read and written (the
// hash costs as much as the write: a cached rebuild of a big context is
// bound by the two).
func copyHash(dst io.Writer, src io.Reader, bufs [2][]byte) ([]byte, error) {
	h := sha256.New()
	work := make(chan []byte)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for b := range work {
			h.Write(b)
		}
	}()
	var err error
	for i := 0; ; i ^= 1 {
		n, rerr := io.ReadFull(src, bufs[i])
		if n > 0 {
			// The send waits until the previous buffer is hashed, so
			// bufs[i^1] is free for the next read.
			work <- bufs[i][:n]
			if _, werr := dst.Write(bufs[i][:n]); werr != nil {
				err = werr
				break
			}
		}
		if rerr == io.EOF || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			err = rerr
			break
		}
	}
	close(work)
	<-finished
	if err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// checkNoSymlinkParents refuses rel when one of its parent directories
// inside dir is a symbolic link (a tar that plants "a -> /etc" and then
// "a/passwd").
func checkNoSymlinkParents(dir, rel string) error {
	parts := strings.Split(rel, "/")
	cur := dir
	for _, p := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, p)
		fi, err := os.Lstat(cur)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("invalid build context: %s goes through %s, which is not a directory", rel, strings.TrimPrefix(cur, dir+"/"))
		}
	}
	return nil
}

// applyIgnore removes what .dockerignore excludes.
func (bc *BuildContext) applyIgnore() error {
	f, err := os.Open(filepath.Join(bc.Dir, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("read .dockerignore: %w", err)
	}
	if len(patterns) == 0 {
		return nil
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return fmt.Errorf("parse .dockerignore: %w", err)
	}
	var remove []string
	err = filepath.WalkDir(bc.Dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == bc.Dir {
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, bc.Dir+"/"))
		m, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if m && !d.IsDir() {
			remove = append(remove, p)
		} else if m && !pm.Exclusions() {
			remove = append(remove, p)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range remove {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, bc.Dir+"/"))
		for k := range bc.sums {
			if k == rel || strings.HasPrefix(k, rel+"/") {
				delete(bc.sums, k)
			}
		}
	}
	return nil
}

// errOutside is Docker's message for a source outside the context.
func errOutside(src string) error {
	return fmt.Errorf("forbidden path outside the build context: %s ()", src)
}

// resolve returns the absolute path of src inside root, following
// symbolic links but refusing any that leaves root (an absolute target, or
// ".." above root). With scoped set, links are instead resolved inside
// root as if it were "/" (image root filesystems).
func resolve(root, src string, scoped bool) (string, error) {
	if !scoped {
		c := path.Clean(src)
		if c == ".." || strings.HasPrefix(c, "../") || strings.HasPrefix(c, "/../") {
			return "", errOutside(src)
		}
	}
	rest := strings.Split(strings.TrimPrefix(path.Clean("/"+src), "/"), "/")
	var done []string
	for n := 0; len(rest) > 0; {
		p := rest[0]
		rest = rest[1:]
		switch p {
		case "", ".":
			continue
		case "..":
			if len(done) == 0 {
				if !scoped {
					return "", errOutside(src)
				}
				continue
			}
			done = done[:len(done)-1]
			continue
		}
		cur := filepath.Join(root, filepath.Join(done...), p)
		fi, err := os.Lstat(cur)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			done = append(done, p)
			continue
		}
		n++
		if n > 255 {
			return "", fmt.Errorf("too many levels of symbolic links: %s", src)
		}
		link, err := os.Readlink(cur)
		if err != nil {
			return "", err
		}
		if path.IsAbs(link) {
			if !scoped {
				return "", errOutside(src)
			}
			done = nil
		}
		rest = append(strings.Split(link, "/"), rest...)
	}
	return filepath.Join(root, filepath.Join(done...)), nil
}
