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
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/ulikunitz/xz"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/recovery"
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

// copyBuffers holds the pairs of 1 MiB buffers a context is copied,
// compared and hashed through, reused by the next build while the garbage
// collector leaves them (a rebuild that copies nothing would otherwise
// allocate and clear 2 MiB each time).
var copyBuffers = sync.Pool{New: func() any { return &[2][]byte{make([]byte, 1<<20), make([]byte, 1<<20)} }}

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
// into the mirror m. Entries are written as they arrive, never held in
// memory. Paths are confined to the mirror: ".." and absolute names are
// cleaned into it and no entry is written through a symbolic link. A
// regular file the mirror already holds with the same size is compared
// with the stream instead of being written and hashed again; only a file
// that differs is rewritten. What the stream does not hold is removed,
// then what .dockerignore excludes (the Dockerfile named dockerfile and
// .dockerignore itself are read first). The index is saved before it
// returns.
func ExtractContext(r io.Reader, m *Mirror, dockerfile string) (*BuildContext, error) {
	r, err := decompress(r)
	if err != nil {
		return nil, fmt.Errorf("read build context: %w", err)
	}
	bc := &BuildContext{Dir: m.Dir}
	tr := tar.NewReader(r)
	buf := copyBuffers.Get().(*[2][]byte)
	defer copyBuffers.Put(buf)
	seen := map[string]bool{}
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
		if err := m.parents(rel, seen); err != nil {
			return nil, err
		}
		target := m.path(rel)
		old := m.files[rel]
		mode := os.FileMode(hdr.Mode & 0o7777)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if old != nil && old.Kind == 'd' {
				_ = os.Chmod(target, mode|0o700)
			} else {
				if err := m.forget(rel); err != nil {
					return nil, err
				}
				if err := os.Mkdir(target, mode|0o700); err != nil {
					return nil, err
				}
			}
			m.files[rel] = &entry{Kind: 'd', Mode: fs.ModeDir | mode}
		case tar.TypeReg, tar.TypeRegA:
			if err := m.receive(rel, tr, hdr.Size, mode, *buf); err != nil {
				return nil, fmt.Errorf("read build context: %w", err)
			}
		case tar.TypeSymlink:
			seen[rel] = true
			if old != nil && old.Kind == 'l' && old.Link == hdr.Linkname {
				continue
			}
			if err := m.forget(rel); err != nil {
				return nil, err
			}
			if err := os.Symlink(hdr.Linkname, target); err != nil {
				return nil, err
			}
			m.files[rel] = &entry{Kind: 'l', Mode: fs.ModeSymlink | 0o777, Link: hdr.Linkname}
			continue
		case tar.TypeLink:
			src := strings.TrimPrefix(path.Clean("/"+hdr.Linkname), "/")
			e := m.files[src]
			if !seen[src] || e == nil || e.Kind != 'f' {
				return nil, fmt.Errorf("invalid build context: hard link %s to %s", hdr.Name, hdr.Linkname)
			}
			if err := m.forget(rel); err != nil {
				return nil, err
			}
			if err := os.Link(m.path(src), target); err != nil {
				return nil, err
			}
			// Both names share an inode: neither is kept by the next
			// extraction (a chmod of one would change the other).
			e.Linked = true
			m.files[rel] = &entry{Kind: 'f', Mode: e.Mode, Size: e.Size, Sum: e.Sum, Linked: true}
		default:
			// Devices and fifos have no place in a build context.
			continue
		}
		seen[rel] = true
		_ = os.Chtimes(target, hdr.ModTime, hdr.ModTime)
	}
	if err := m.prune(seen); err != nil {
		return nil, err
	}
	bc.dockerfile, bc.dockerfileErr = ReadDockerfile(bc, dockerfile)
	if err := m.applyIgnore(); err != nil {
		return nil, err
	}
	if err := m.Save(); err != nil {
		return nil, err
	}
	bc.sums = m.sums()
	return bc, nil
}

// receive writes the regular file rel, size bytes read from r, unless the
// mirror holds the same bytes already: those are compared chunk by chunk
// and, at the first difference, the file is rewritten from the equal part
// kept and the rest of r.
func (m *Mirror) receive(rel string, r io.Reader, size int64, mode os.FileMode, buf [2][]byte) error {
	target := m.path(rel)
	h := sha256.New()
	var prefix int64
	var chunk []byte
	var old *os.File
	if e := m.files[rel]; e != nil && e.Kind == 'f' && !e.Linked && e.Size == size && e.Sum != nil {
		if f, err := os.Open(target); err == nil {
			defer f.Close()
			n, diff, err := sameBytes(f, r, size, buf)
			if err != nil {
				return err
			}
			if diff == nil {
				e.Mode = mode
				return os.Chmod(target, mode)
			}
			prefix, chunk, old = n, diff, f
		}
	}
	tmp := m.Dir + ".part"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	w := io.MultiWriter(out, h)
	if old != nil {
		// The equal part, from the old file; then the chunk that differs.
		if _, err = old.Seek(0, io.SeekStart); err == nil {
			_, err = io.CopyBuffer(w, io.LimitReader(old, prefix), buf[1])
		}
		if err == nil {
			_, err = w.Write(chunk)
		}
	}
	if err == nil {
		rest := size - prefix - int64(len(chunk))
		if rest > int64(len(buf[0])) {
			err = copyHash(h, out, io.LimitReader(r, rest), buf)
		} else {
			_, err = io.CopyBuffer(w, io.LimitReader(r, rest), buf[0])
		}
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	if err := m.forget(rel); err != nil {
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		return err
	}
	m.files[rel] = &entry{Kind: 'f', Mode: mode, Size: size, Sum: h.Sum(nil)}
	return nil
}

// sameBytes reads r and f side by side, a buffer at a time, until they
// differ or size bytes are read. It returns how many bytes were equal
// before the chunk that differs, and that chunk (nil when all are equal).
func sameBytes(f, r io.Reader, size int64, buf [2][]byte) (int64, []byte, error) {
	var n int64
	for n < size {
		k := min(int64(len(buf[0])), size-n)
		if _, err := io.ReadFull(r, buf[0][:k]); err != nil {
			return n, nil, err
		}
		if _, err := io.ReadFull(f, buf[1][:k]); err != nil || !bytes.Equal(buf[0][:k], buf[1][:k]) {
			return n, buf[0][:k], nil
		}
		n += k
	}
	return n, nil, nil
}

// copySum copies src (size bytes long) to dst and returns the sha256 of
// the bytes.
func copySum(dst io.Writer, src io.Reader, size int64, buf [2][]byte) ([]byte, error) {
	h := sha256.New()
	var err error
	if size > int64(len(buf[0])) {
		err = copyHash(h, dst, src, buf)
	} else {
		_, err = io.CopyBuffer(io.MultiWriter(dst, h), src, buf[0])
	}
	return h.Sum(nil), err
}

// copyHash copies src to dst and adds the bytes to h, hashing one buffer
// on another goroutine while the next is read and written (the hash costs
// as much as the write).
func copyHash(h hash.Hash, dst io.Writer, src io.Reader, bufs [2][]byte) error {
	work := make(chan []byte)
	finished := make(chan struct{})
	recovery.Go(nil, "hash build context", func() {
		defer close(finished)
		for b := range work {
			h.Write(b)
		}
	}, nil)
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
	return err
}

// applyIgnore removes what the mirror's .dockerignore excludes.
func (m *Mirror) applyIgnore() error {
	pm, err := archive.Dockerignore(m.Dir)
	if err != nil || pm == nil {
		return err
	}
	var remove []string
	for rel := range m.files {
		match, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		// An excluded directory goes whole unless an exception may keep
		// something under it.
		if match && (m.files[rel].Kind != 'd' || !pm.Exclusions()) {
			remove = append(remove, rel)
		}
	}
	sort.Strings(remove)
	for _, rel := range remove {
		if err := m.forget(rel); err != nil {
			return err
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
