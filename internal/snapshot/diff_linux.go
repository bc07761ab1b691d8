package snapshot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/store"
)

// layerDirs returns the fs dir of key and those of its parents.
func (s *snapshotter) layerDirs(key string) (record, string, []string, error) {
	var r record
	var own string
	var lowers []string
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if r, err = getRecord(tx, key); err != nil {
			return err
		}
		parents, err := chain(tx, r.Parent)
		if err != nil {
			return err
		}
		own = filepath.Join(s.dir(r), "fs")
		for _, p := range parents {
			lowers = append(lowers, filepath.Join(s.dir(p), "fs"))
		}
		return nil
	})
	return r, own, lowers, err
}

func (s *snapshotter) Apply(ctx context.Context, key string, r io.Reader) (int64, error) {
	rec, own, _, err := s.layerDirs(key)
	if err != nil {
		return 0, err
	}
	if rec.Kind != KindActive {
		return 0, errdefs.InvalidParameter(fmt.Errorf("snapshot %s is not active", key))
	}
	mode := archive.WhiteoutDelete
	if s.overlay {
		mode = archive.WhiteoutOverlay
	}
	return archive.Apply(ctx, own, r, archive.ApplyOptions{Whiteouts: mode})
}

func (s *snapshotter) Changes(ctx context.Context, key string) ([]Change, error) {
	rec, own, lowers, err := s.layerDirs(key)
	if err != nil {
		return nil, err
	}
	if rec.Kind == KindView {
		return nil, nil
	}
	var cs []archive.Change
	if s.overlay {
		var upper []archive.Entry
		if upper, err = readOwn(own); err == nil {
			cs = archive.ChangesOverlay(upper, lowers)
		}
	} else {
		cs, err = changesCopy(own, lowers)
	}
	if err != nil {
		return nil, fmt.Errorf("changes of snapshot %s: %w", key, err)
	}
	out := make([]Change, 0, len(cs))
	for _, c := range cs {
		k := Modified
		switch c.Kind {
		case archive.ChangeAdd:
			k = Added
		case archive.ChangeDelete:
			k = Deleted
		}
		out = append(out, Change{Path: c.Path, Kind: k})
	}
	return out, nil
}

func (s *snapshotter) Diff(ctx context.Context, key string) (io.ReadCloser, error) {
	rec, own, lowers, err := s.layerDirs(key)
	if err != nil {
		return nil, err
	}
	if rec.Kind == KindView {
		return nil, errdefs.InvalidParameter(fmt.Errorf("snapshot %s is a view", key))
	}
	var changes []archive.Change
	if !s.overlay {
		if changes, err = changesCopy(own, lowers); err != nil {
			return nil, fmt.Errorf("changes of snapshot %s: %w", key, err)
		}
	}
	pr, pw := io.Pipe()
	recovery.Go(nil, "diff of snapshot "+key, func() {
		// The layer is read on a thread chrooted into it: a running
		// container that swaps a directory for a symlink mid-walk (commit
		// --pause=false) leads the walk only to its own files
		// (CVE-2018-15664). Buffered: each write from the locked thread
		// costs a hand-off between OS threads.
		err := mount.InRoot(own, nil, func() error {
			bw := bufio.NewWriterSize(pw, 256<<10)
			var err error
			if s.overlay {
				err = archive.TarOverlayUpper(ctx, bw, "/")
			} else {
				err = archive.TarChanges(ctx, bw, "/", changes)
			}
			if err != nil {
				return err
			}
			return bw.Flush()
		})
		pw.CloseWithError(err)
	}, func(err error) { pw.CloseWithError(err) })
	return pr, nil
}

// readOwn lists the files of a snapshot's own directory on a thread
// chrooted into it: a running container that swaps a directory for a
// symlink mid-walk (docker diff, commit --pause=false) leads the walk only
// to its own files, never to the host's names (CVE-2018-15664).
func readOwn(own string) ([]archive.Entry, error) {
	var ents []archive.Entry
	err := mount.InRoot(own, nil, func() error {
		var err error
		ents, err = archive.ReadTree("/")
		return err
	})
	return ents, err
}

// changesCopy compares the copy driver's own directory with its parent's
// full tree (an empty one for a base layer). The parent is committed, so
// immutable: only own is read confined.
func changesCopy(own string, lowers []string) ([]archive.Change, error) {
	upper, err := readOwn(own)
	if err != nil {
		return nil, err
	}
	if len(lowers) > 0 {
		return archive.ChangesDirs(lowers[0], upper)
	}
	empty, err := os.MkdirTemp("", "berth-empty-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(empty)
	return archive.ChangesDirs(empty, upper)
}

func (s *snapshotter) Usage(ctx context.Context, key string) (int64, error) {
	rec, own, _, err := s.layerDirs(key)
	if err != nil {
		return 0, err
	}
	if rec.Kind == KindCommitted && rec.Size > 0 {
		return rec.Size, nil
	}
	if rec.Kind == KindView && !s.overlay {
		return 0, nil
	}
	return dirSize(own)
}

// dirSize sums the sizes of the files under dir, counting hard links once.
func dirSize(dir string) (int64, error) {
	seen := map[uint64]bool{}
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 && !fi.IsDir() {
			if seen[st.Ino] {
				return nil
			}
			seen[st.Ino] = true
		}
		if fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0 {
			n += fi.Size()
		}
		return nil
	})
	return n, err
}
