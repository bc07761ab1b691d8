package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/store"
)

// Driver names.
const (
	DriverOverlay = "overlay"
	DriverVFS     = "vfs"
)

// snapshotter implements Snapshotter for both drivers. Layout under root:
//
//	metadata.db            bbolt, see meta_linux.go
//	snapshots/<id>/fs      the layer (overlay: upper dir; vfs: full copy)
//	snapshots/<id>/work    overlay work dir (active snapshots)
type snapshotter struct {
	root    string
	db      *store.DB
	overlay bool
}

func (s *snapshotter) Close() error { return s.db.Close() }

func (s *snapshotter) dir(r record) string {
	return filepath.Join(s.root, "snapshots", r.dir())
}

func (s *snapshotter) Prepare(ctx context.Context, key, parent string) ([]mount.Mount, error) {
	return s.create(ctx, KindActive, key, parent)
}

func (s *snapshotter) View(ctx context.Context, key, parent string) ([]mount.Mount, error) {
	return s.create(ctx, KindView, key, parent)
}

func (s *snapshotter) create(ctx context.Context, kind Kind, key, parent string) ([]mount.Mount, error) {
	if key == "" {
		return nil, errdefs.InvalidParameter(errors.New("snapshot key must not be empty"))
	}
	var ms []mount.Mount
	err := s.db.Update(func(tx *store.Tx) error {
		if tx.Exists(bucketSnapshots, key) {
			return errdefs.Conflict(fmt.Errorf("snapshot %s: already exists", key))
		}
		parents, err := chain(tx, parent)
		if err != nil {
			return fmt.Errorf("parent of %s: %w", key, err)
		}
		if len(parents) > 0 && parents[0].Kind != KindCommitted {
			return errdefs.InvalidParameter(fmt.Errorf("parent %s of %s is not committed", parent, key))
		}
		id, err := tx.NextSequence(bucketSnapshots)
		if err != nil {
			return err
		}
		r := record{ID: id, Kind: kind, Parent: parent, Created: time.Now().UTC()}
		d := s.dir(r)
		if err := s.makeDir(d, kind, parents); err != nil {
			os.RemoveAll(d)
			return err
		}
		if err := tx.Put(bucketSnapshots, key, r); err != nil {
			os.RemoveAll(d)
			return err
		}
		ms = s.mounts(r, parents)
		return nil
	})
	return ms, err
}

func (s *snapshotter) makeDir(d string, kind Kind, parents []record) error {
	if err := os.MkdirAll(d, 0o700); err != nil {
		return fmt.Errorf("create snapshot dir: %w", err)
	}
	if s.overlay {
		if err := os.Mkdir(filepath.Join(d, "fs"), 0o755); err != nil {
			return fmt.Errorf("create snapshot fs: %w", err)
		}
		if kind == KindActive {
			if err := os.Mkdir(filepath.Join(d, "work"), 0o700); err != nil {
				return fmt.Errorf("create snapshot work dir: %w", err)
			}
		}
		return nil
	}
	if kind == KindView && len(parents) > 0 {
		return nil // a vfs view binds the parent's tree read-only
	}
	if len(parents) == 0 {
		if err := os.Mkdir(filepath.Join(d, "fs"), 0o755); err != nil {
			return fmt.Errorf("create snapshot fs: %w", err)
		}
		return nil
	}
	// The copy driver: a full copy of the parent, attributes kept.
	src := filepath.Join(s.dir(parents[0]), "fs")
	out, err := exec.Command("cp", "-a", "--reflink=auto", src, filepath.Join(d, "fs")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("copy parent snapshot: %s: %w", strings.TrimSpace(string(out)), err)
	}
	return nil
}

// mounts describes how to mount a snapshot.
func (s *snapshotter) mounts(r record, parents []record) []mount.Mount {
	fsDir := filepath.Join(s.dir(r), "fs")
	if !s.overlay {
		if r.Kind == KindView {
			if len(parents) == 0 {
				return []mount.Mount{{Type: "bind", Source: fsDir, Options: []string{"rbind", "ro"}}}
			}
			return []mount.Mount{{Type: "bind", Source: filepath.Join(s.dir(parents[0]), "fs"), Options: []string{"rbind", "ro"}}}
		}
		ro := "rw"
		if r.Kind == KindCommitted {
			ro = "ro"
		}
		return []mount.Mount{{Type: "bind", Source: fsDir, Options: []string{"rbind", ro}}}
	}
	if len(parents) == 0 {
		ro := "rw"
		if r.Kind != KindActive {
			ro = "ro"
		}
		return []mount.Mount{{Type: "bind", Source: fsDir, Options: []string{"rbind", ro}}}
	}
	var lowers []string
	for _, p := range parents {
		lowers = append(lowers, filepath.Join(s.dir(p), "fs"))
	}
	if r.Kind != KindActive {
		if r.Kind == KindCommitted {
			lowers = append([]string{fsDir}, lowers...)
		}
		if len(lowers) == 1 {
			return []mount.Mount{{Type: "bind", Source: lowers[0], Options: []string{"rbind", "ro"}}}
		}
		return []mount.Mount{{Type: "overlay", Source: "overlay", Options: append(overlayExtra(), "lowerdir="+strings.Join(lowers, ":"))}}
	}
	opts := append(overlayExtra(),
		"lowerdir="+strings.Join(lowers, ":"),
		"upperdir="+fsDir,
		"workdir="+filepath.Join(s.dir(r), "work"))
	return []mount.Mount{{Type: "overlay", Source: "overlay", Options: opts}}
}

// overlayExtra returns options that keep layers shareable and diffable:
// no inode index (lower dirs are used by many mounts), and, where the
// kernel enables them by default, no redirected directories or
// metadata-only copy-up, which would make an upper dir an incomplete layer.
func overlayExtra() []string {
	var opts []string
	if _, err := os.Stat("/sys/module/overlay/parameters/index"); err == nil {
		opts = append(opts, "index=off")
	}
	for _, p := range []string{"redirect_dir", "metacopy"} {
		if b, err := os.ReadFile("/sys/module/overlay/parameters/" + p); err == nil && strings.TrimSpace(string(b)) == "Y" {
			opts = append(opts, p+"=off")
		}
	}
	return opts
}

func (s *snapshotter) Mounts(ctx context.Context, key string) ([]mount.Mount, error) {
	var ms []mount.Mount
	err := s.db.View(func(tx *store.Tx) error {
		r, err := getRecord(tx, key)
		if err != nil {
			return err
		}
		parents, err := chain(tx, r.Parent)
		if err != nil {
			return err
		}
		ms = s.mounts(r, parents)
		return nil
	})
	return ms, err
}

func (s *snapshotter) Commit(ctx context.Context, name, key string) error {
	return s.db.Update(func(tx *store.Tx) error {
		r, err := getRecord(tx, key)
		if err != nil {
			return err
		}
		if r.Kind != KindActive {
			return errdefs.InvalidParameter(fmt.Errorf("snapshot %s is not active", key))
		}
		if tx.Exists(bucketSnapshots, name) {
			return errdefs.Conflict(fmt.Errorf("snapshot %s: already exists", name))
		}
		d := s.dir(r)
		if err := os.RemoveAll(filepath.Join(d, "work")); err != nil {
			return fmt.Errorf("remove work dir of %s: %w", key, err)
		}
		if err := syncDir(filepath.Join(d, "fs")); err != nil {
			return err
		}
		r.Kind = KindCommitted
		r.Size, _ = dirSize(filepath.Join(d, "fs"))
		if !s.overlay && r.Parent != "" {
			// A vfs layer is a full copy: count only what it added.
			if p, err := getRecord(tx, r.Parent); err == nil {
				ps, _ := dirSize(filepath.Join(s.dir(p), "fs"))
				r.Size = max(r.Size-ps, 0)
			}
		}
		if err := tx.Delete(bucketSnapshots, key); err != nil {
			return err
		}
		return tx.Put(bucketSnapshots, name, r)
	})
}

// syncDir flushes the filesystem holding dir so that a committed layer is on
// disk before its record says so.
func syncDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	if err := unix.Syncfs(fd); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func (s *snapshotter) Remove(ctx context.Context, key string) error {
	var d string
	err := s.db.Update(func(tx *store.Tx) error {
		r, err := getRecord(tx, key)
		if err != nil {
			return err
		}
		kids, err := hasChildren(tx, key)
		if err != nil {
			return err
		}
		if kids {
			return errdefs.Conflict(fmt.Errorf("snapshot %s has children", key))
		}
		d = s.dir(r)
		return tx.Delete(bucketSnapshots, key)
	})
	if err != nil {
		return err
	}
	// The record is gone; a crash here leaves a directory that the next
	// open removes.
	_ = mount.UnmountAll(d)
	if err := os.RemoveAll(d); err != nil {
		return fmt.Errorf("remove snapshot dir %s: %w", d, err)
	}
	return nil
}

func (s *snapshotter) Exists(ctx context.Context, key string) bool {
	_, err := s.Stat(ctx, key)
	return err == nil
}

func (s *snapshotter) Stat(ctx context.Context, key string) (Info, error) {
	var info Info
	err := s.db.View(func(tx *store.Tx) error {
		r, err := getRecord(tx, key)
		if err != nil {
			return err
		}
		info = Info{Key: key, Parent: r.Parent, Kind: r.Kind, Created: r.Created, Size: r.Size}
		return nil
	})
	return info, err
}

func (s *snapshotter) Walk(ctx context.Context, fn func(Info) error) error {
	var infos []Info
	err := s.db.View(func(tx *store.Tx) error {
		return tx.ForEach(bucketSnapshots, func(k string, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			infos = append(infos, Info{Key: k, Parent: r.Parent, Kind: r.Kind, Created: r.Created, Size: r.Size})
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, i := range infos {
		if err := fn(i); err != nil {
			return err
		}
	}
	return nil
}
