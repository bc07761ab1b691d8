package dockerfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/berth/berth/internal/archive"
)

// A Mirror is a directory that keeps a build context between builds, with
// an index of what it holds, so that the next build of the same context
// copies and hashes only what changed. Synced from a local directory, a
// file whose inode, size, mode and times are unchanged is kept as it is,
// with its checksum; unpacked from a tar stream, a file whose bytes equal
// the kept one is (see ExtractContext).
//
// The index lives next to the directory (Dir + ".json"). It is removed
// while the mirror changes and written back once the mirror matches it, so
// that a crash in between leaves a mirror without index, which the next
// OpenMirror empties.
type Mirror struct {
	Dir   string
	files map[string]*entry // context-relative slash paths
}

// entry is what the index records of one path in the mirror.
type entry struct {
	Kind byte        `json:"k"` // 'd' directory, 'f' regular file, 'l' symbolic link
	Mode fs.FileMode `json:"m"`
	Size int64       `json:"s,omitempty"`
	Sum  []byte      `json:"h,omitempty"` // sha256 of a file's content
	Link string      `json:"l,omitempty"`
	// Linked is a file hard-linked to another name in the mirror.
	Linked bool `json:"hl,omitempty"`
	// Src identifies the local file the entry was copied from.
	Src *statKey `json:"src,omitempty"`
}

// statKey is what changes when a file's content may have changed: a write
// moves ctime, which no user can set back.
type statKey struct {
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64 // ns
	Mode         uint32
}

func keyOf(fi fs.FileInfo) *statKey {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return &statKey{
		Dev: uint64(st.Dev), Ino: uint64(st.Ino), Size: st.Size, Mode: st.Mode,
		Mtime: st.Mtim.Sec*1e9 + st.Mtim.Nsec, Ctime: st.Ctim.Sec*1e9 + st.Ctim.Nsec,
	}
}

// OpenMirror opens the mirror at dir, creating it. A mirror without a
// readable index (new, or cut short by a crash) starts empty.
func OpenMirror(dir string) (*Mirror, error) {
	m := &Mirror{Dir: dir, files: map[string]*entry{}}
	raw, err := os.ReadFile(dir + ".json")
	if err == nil && json.Unmarshal(raw, &m.files) == nil {
		if fi, err := os.Lstat(dir); err == nil && fi.IsDir() {
			// From here on the mirror may change: no index until Save.
			if err := os.Remove(dir + ".json"); err != nil {
				return nil, err
			}
			return m, nil
		}
	}
	m.files = map[string]*entry{}
	_ = os.Remove(dir + ".json")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return m, nil
}

// Save writes the index (after the mirror's content is complete).
func (m *Mirror) Save() error {
	raw, err := json.Marshal(m.files)
	if err != nil {
		return err
	}
	tmp := m.Dir + ".json.tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, m.Dir+".json")
}

func (m *Mirror) path(rel string) string { return filepath.Join(m.Dir, filepath.FromSlash(rel)) }

// sums returns the checksum of every regular file.
func (m *Mirror) sums() map[string][]byte {
	s := make(map[string][]byte, len(m.files))
	for rel, e := range m.files {
		if e.Kind == 'f' {
			s[rel] = e.Sum
		}
	}
	return s
}

// forget removes rel (and what is under it) from the mirror and the index.
func (m *Mirror) forget(rel string) error {
	if err := os.RemoveAll(m.path(rel)); err != nil {
		return err
	}
	e := m.files[rel]
	delete(m.files, rel)
	if e != nil && e.Kind == 'd' {
		for k := range m.files {
			if strings.HasPrefix(k, rel+"/") {
				delete(m.files, k)
			}
		}
	}
	return nil
}

// parents makes every parent directory of rel a directory of the mirror
// (0755 when it has to be made) and marks it seen. A parent that this
// build put in the mirror as something else (a tar that plants "a ->
// /etc", then "a/passwd") is refused; one left by an earlier build is
// replaced.
func (m *Mirror) parents(rel string, seen map[string]bool) error {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return nil
	}
	dir := rel[:i]
	e := m.files[dir]
	if seen[dir] {
		if e != nil && e.Kind == 'd' {
			return nil
		}
		return fmt.Errorf("invalid build context: %s goes through %s, which is not a directory", rel, dir)
	}
	if err := m.parents(dir, seen); err != nil {
		return err
	}
	seen[dir] = true
	if e != nil && e.Kind == 'd' {
		return nil
	}
	if err := m.forget(dir); err != nil {
		return err
	}
	if err := os.Mkdir(m.path(dir), 0o755); err != nil {
		return err
	}
	m.files[dir] = &entry{Kind: 'd', Mode: fs.ModeDir | 0o755}
	return nil
}

// prune removes whatever was not seen, deepest first.
func (m *Mirror) prune(seen map[string]bool) error {
	var gone []string
	for rel := range m.files {
		if !seen[rel] {
			gone = append(gone, rel)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(gone)))
	for _, rel := range gone {
		if err := m.forget(rel); err != nil {
			return err
		}
	}
	return nil
}

// SyncContext makes m a copy of the local directory src as the context of
// a build: what src's .dockerignore excludes is left out (the Dockerfile,
// read from src, too), symbolic links are copied as links and never
// followed, devices and fifos are skipped. A file is copied and hashed
// only when it is new or its inode, size, mode or times changed since the
// last sync. The index is saved before it returns.
func SyncContext(m *Mirror, src, dockerfile string) (*BuildContext, error) {
	src, err := filepath.EvalSymlinks(src)
	if err != nil {
		return nil, fmt.Errorf("read build context: %w", err)
	}
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("read build context: %s is not a directory", src)
	}
	bc := &BuildContext{Dir: m.Dir}
	bc.dockerfile, bc.dockerfileErr = readDockerfileIn(src, dockerfile)
	pm, err := archive.Dockerignore(src)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	buf := copyBuffers.Get().(*[2][]byte)
	defer copyBuffers.Put(buf)
	err = archive.WalkContext(src, pm, nil, func(p, rel string, d fs.DirEntry) error {
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed while we walk
		}
		if err != nil {
			return err
		}
		if err := m.parents(rel, seen); err != nil {
			return err
		}
		seen[rel] = true
		return m.syncEntry(p, rel, fi, *buf)
	})
	if err != nil {
		return nil, fmt.Errorf("read build context: %w", err)
	}
	if err := m.prune(seen); err != nil {
		return nil, err
	}
	if err := m.Save(); err != nil {
		return nil, err
	}
	bc.sums = m.sums()
	return bc, nil
}

// syncEntry brings rel in the mirror up to date with the local file p.
func (m *Mirror) syncEntry(p, rel string, fi fs.FileInfo, buf [2][]byte) error {
	target := m.path(rel)
	old := m.files[rel]
	mode := fi.Mode()
	switch {
	case mode.IsDir():
		if old != nil && old.Kind == 'd' {
			if old.Mode != mode {
				if err := os.Chmod(target, mode.Perm()|0o700); err != nil {
					return err
				}
				old.Mode = mode
			}
			return nil
		}
		if err := m.forget(rel); err != nil {
			return err
		}
		if err := os.Mkdir(target, mode.Perm()|0o700); err != nil {
			return err
		}
		m.files[rel] = &entry{Kind: 'd', Mode: mode}
	case mode.IsRegular():
		key := keyOf(fi)
		if old != nil && old.Kind == 'f' && old.Src != nil && key != nil && *old.Src == *key {
			return nil
		}
		in, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return err
		}
		defer in.Close()
		// What is copied is what fstat describes: a file replaced after
		// the walk saw it is taken as it is now.
		if fi, err = in.Stat(); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s changed while the context was read", rel)
		}
		key = keyOf(fi)
		if err := m.forget(rel); err != nil {
			return err
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		sum, err := copySum(out, in, fi.Size(), buf)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if err := os.Chmod(target, fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
			return err
		}
		if err := os.Chtimes(target, fi.ModTime(), fi.ModTime()); err != nil {
			return err
		}
		m.files[rel] = &entry{Kind: 'f', Mode: fi.Mode(), Size: fi.Size(), Sum: sum, Src: key}
	case mode&fs.ModeSymlink != 0:
		link, err := os.Readlink(p)
		if err != nil {
			return err
		}
		if old != nil && old.Kind == 'l' && old.Link == link {
			return nil
		}
		if err := m.forget(rel); err != nil {
			return err
		}
		if err := os.Symlink(link, target); err != nil {
			return err
		}
		m.files[rel] = &entry{Kind: 'l', Mode: mode, Link: link}
	default:
		// Devices, fifos and sockets have no place in a build context.
		return m.forget(rel)
	}
	return nil
}
