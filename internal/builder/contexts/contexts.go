package contexts

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	buildtypes "github.com/moby/moby/api/types/build"

	"github.com/berth/berth/internal/builder/dockerfile"
	"github.com/berth/berth/internal/errdefs"
)

// maxMirrors is how many build contexts are kept between builds; the
// least recently used beyond it are removed.
const maxMirrors = 8

// Store holds the mirrors under one directory: <name>/ is a mirror and
// <name>.json its index, name derived from the context's key.
type Store struct {
	root string

	mu   sync.Mutex
	busy map[string]bool // the mirrors a build holds
}

// New returns the store of the mirrors under root (created on first use).
func New(root string) *Store { return &Store{root: root, busy: map[string]bool{}} }

// Source names a build's context: a directory on the daemon's host, else
// the tar stream of the request, kept for the same tags and Dockerfile.
type Source struct {
	LocalDir   string
	Dockerfile string
	Tags       []string
}

// Receive brings the build context into the mirror kept for it: a local
// directory is synced into it, copying and hashing only what changed since
// the last build; a tar stream is unpacked into it, where a file already
// present with the same bytes is compared, not written and hashed again.
// When another build holds that mirror, a fresh one under tmp is used. The
// caller calls release when the build is done with the context.
func (s *Store) Receive(body io.Reader, src Source, tmp string) (bc *dockerfile.BuildContext, release func(), err error) {
	key := "tar\x00" + src.Dockerfile + "\x00" + strings.Join(src.Tags, "\x00")
	if src.LocalDir != "" {
		key = "dir\x00" + src.LocalDir
	}
	m, release, err := s.open(key, tmp)
	if err != nil {
		return nil, nil, err
	}
	if src.LocalDir != "" {
		bc, err = dockerfile.SyncContext(m, src.LocalDir, src.Dockerfile)
	} else {
		bc, err = dockerfile.ExtractContext(body, m, src.Dockerfile)
	}
	if err != nil {
		release()
		return nil, nil, errdefs.InvalidParameter(err)
	}
	return bc, release, nil
}

// open opens the mirror kept for the context named key. When another
// build holds it, a fresh mirror under tmp is used instead (and removed
// with tmp by the caller).
func (s *Store) open(key, tmp string) (*dockerfile.Mirror, func(), error) {
	sum := sha256.Sum256([]byte(key))
	name := hex.EncodeToString(sum[:12])
	s.mu.Lock()
	dir := filepath.Join(s.root, name)
	if s.busy[name] {
		dir = filepath.Join(tmp, "context")
		name = ""
	} else {
		s.busy[name] = true
	}
	s.mu.Unlock()
	release := func() {
		if name == "" {
			return
		}
		s.mu.Lock()
		delete(s.busy, name)
		s.evictLocked()
		s.mu.Unlock()
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		release()
		return nil, nil, err
	}
	m, err := dockerfile.OpenMirror(dir)
	if err != nil {
		release()
		return nil, nil, err
	}
	return m, release, nil
}

// evictLocked removes the least recently used idle mirrors beyond
// maxMirrors (by the time their index was written).
func (s *Store) evictLocked() {
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return
	}
	type mirror struct {
		name string
		at   time.Time
	}
	var ms []mirror
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		m := mirror{name: e.Name()}
		if fi, err := os.Stat(filepath.Join(s.root, e.Name()+".json")); err == nil {
			m.at = fi.ModTime()
		}
		ms = append(ms, m)
	}
	if len(ms) <= maxMirrors {
		return
	}
	slices.SortFunc(ms, func(a, b mirror) int { return b.at.Compare(a.at) })
	for _, m := range ms[maxMirrors:] {
		if !s.busy[m.name] {
			_ = os.Remove(filepath.Join(s.root, m.name+".json"))
			_ = os.RemoveAll(filepath.Join(s.root, m.name))
		}
	}
}

// Records lists the mirrors as build cache records, the kind BuildKit
// calls "source.local": their size, whether a build holds them, when a
// build last synced them.
func (s *Store) Records() []buildtypes.CacheRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	ents, _ := os.ReadDir(s.root)
	recs := []buildtypes.CacheRecord{}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		r := buildtypes.CacheRecord{ID: e.Name(), Type: "source.local", Description: "build context kept for the next build", InUse: s.busy[e.Name()]}
		if fi, err := os.Stat(filepath.Join(s.root, e.Name()+".json")); err == nil {
			at := fi.ModTime()
			r.LastUsedAt = &at
		}
		if fi, err := e.Info(); err == nil {
			r.CreatedAt = fi.ModTime()
		}
		_ = filepath.WalkDir(filepath.Join(s.root, e.Name()), func(p string, de os.DirEntry, err error) error {
			if err == nil && de.Type().IsRegular() {
				if fi, err := de.Info(); err == nil {
					r.Size += fi.Size()
				}
			}
			return nil
		})
		recs = append(recs, r)
	}
	return recs
}

// Usage is the mirrors' share of GET /system/df.
func (s *Store) Usage() *buildtypes.DiskUsage {
	du := &buildtypes.DiskUsage{Items: s.Records()}
	for _, r := range du.Items {
		du.TotalCount++
		du.TotalSize += r.Size
		if r.InUse {
			du.ActiveCount++
		} else {
			du.Reclaimable += r.Size
		}
	}
	return du
}

// Prune removes every idle mirror and returns their records.
func (s *Store) Prune() []buildtypes.CacheRecord {
	var gone []buildtypes.CacheRecord
	for _, r := range s.Records() {
		if !r.InUse {
			gone = append(gone, r)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ents, _ := os.ReadDir(s.root)
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".json")
		if !s.busy[name] {
			_ = os.RemoveAll(filepath.Join(s.root, e.Name()))
		}
	}
	return gone
}
