package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
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
	db      *bolt.DB
	overlay bool
}

// NewDriver opens the snapshotter at root with driver "overlay", "vfs" or ""
// (detect). It removes what a crash left behind: directories without a
// record and scratch (TempPrefix) active snapshots.
func NewDriver(root, driver string) (Snapshotter, string, error) {
	if err := os.MkdirAll(filepath.Join(root, "snapshots"), 0o700); err != nil {
		return nil, "", fmt.Errorf("create snapshot root %s: %w", root, err)
	}
	switch driver {
	case "":
		driver = DriverVFS
		if OverlaySupported(root) == nil {
			driver = DriverOverlay
		}
	case DriverOverlay:
		if err := OverlaySupported(root); err != nil {
			return nil, "", errdefs.InvalidParameter(fmt.Errorf("storage driver overlay unavailable: %w", err))
		}
	case DriverVFS:
	default:
		return nil, "", errdefs.InvalidParameter(fmt.Errorf("unknown storage driver %q", driver))
	}
	db, err := bolt.Open(filepath.Join(root, "metadata.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, "", fmt.Errorf("open snapshot metadata: %w", err)
	}
	s := &snapshotter{root: root, db: db, overlay: driver == DriverOverlay}
	if err := s.reconcile(); err != nil {
		db.Close()
		return nil, "", err
	}
	return s, driver, nil
}

// reconcile removes scratch snapshots and directories without records.
func (s *snapshotter) reconcile() error {
	known := map[string]bool{}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSnapshots)
		if err != nil {
			return err
		}
		var scratch []string
		err = b.ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode snapshot %s: %w", k, err)
			}
			if r.Kind == KindActive && strings.HasPrefix(string(k), TempPrefix) {
				scratch = append(scratch, string(k))
				return nil
			}
			known[r.dir()] = true
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range scratch {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reconcile snapshots: %w", err)
	}
	probes, _ := filepath.Glob(filepath.Join(s.root, "overlay-probe-*"))
	for _, p := range probes {
		_ = mount.UnmountAll(filepath.Join(p, "m"))
		_ = os.RemoveAll(p)
	}
	ents, err := os.ReadDir(filepath.Join(s.root, "snapshots"))
	if err != nil {
		return fmt.Errorf("list snapshots: %w", err)
	}
	for _, e := range ents {
		if !known[e.Name()] {
			p := filepath.Join(s.root, "snapshots", e.Name())
			_ = mount.UnmountAll(p)
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("remove stale snapshot dir %s: %w", p, err)
			}
		}
	}
	return nil
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
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSnapshots).Get([]byte(key)) != nil {
			return errdefs.Conflict(fmt.Errorf("snapshot %s: already exists", key))
		}
		parents, err := chain(tx, parent)
		if err != nil {
			return fmt.Errorf("parent of %s: %w", key, err)
		}
		if len(parents) > 0 && parents[0].Kind != KindCommitted {
			return errdefs.InvalidParameter(fmt.Errorf("parent %s of %s is not committed", parent, key))
		}
		id, err := tx.Bucket(bucketSnapshots).NextSequence()
		if err != nil {
			return err
		}
		r := record{ID: id, Kind: kind, Parent: parent, Created: time.Now().UTC()}
		d := s.dir(r)
		if err := s.makeDir(d, kind, parents); err != nil {
			os.RemoveAll(d)
			return err
		}
		if err := putRecord(tx, key, r); err != nil {
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
	if kind == KindView {
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
	err := s.db.View(func(tx *bolt.Tx) error {
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
	return s.db.Update(func(tx *bolt.Tx) error {
		r, err := getRecord(tx, key)
		if err != nil {
			return err
		}
		if r.Kind != KindActive {
			return errdefs.InvalidParameter(fmt.Errorf("snapshot %s is not active", key))
		}
		if tx.Bucket(bucketSnapshots).Get([]byte(name)) != nil {
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
		if err := tx.Bucket(bucketSnapshots).Delete([]byte(key)); err != nil {
			return err
		}
		return putRecord(tx, name, r)
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
	err := s.db.Update(func(tx *bolt.Tx) error {
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
		return tx.Bucket(bucketSnapshots).Delete([]byte(key))
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
	err := s.db.View(func(tx *bolt.Tx) error {
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
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			infos = append(infos, Info{Key: string(k), Parent: r.Parent, Kind: r.Kind, Created: r.Created, Size: r.Size})
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

// layerDirs returns the fs dir of key and those of its parents.
func (s *snapshotter) layerDirs(key string) (record, string, []string, error) {
	var r record
	var own string
	var lowers []string
	err := s.db.View(func(tx *bolt.Tx) error {
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
	var cs []archive.Change
	switch {
	case rec.Kind == KindView:
		return nil, nil
	case s.overlay:
		cs, err = archive.ChangesOverlay(own, lowers)
	case len(lowers) == 0:
		empty, e := os.MkdirTemp("", "berth-empty-")
		if e != nil {
			return nil, e
		}
		defer os.Remove(empty)
		cs, err = archive.ChangesDirs(empty, own)
	default:
		cs, err = archive.ChangesDirs(lowers[0], own)
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
		lower := ""
		if len(lowers) > 0 {
			lower = lowers[0]
		} else {
			empty, err := os.MkdirTemp("", "berth-empty-")
			if err != nil {
				return nil, err
			}
			defer os.Remove(empty)
			lower = empty
		}
		if changes, err = archive.ChangesDirs(lower, own); err != nil {
			return nil, fmt.Errorf("changes of snapshot %s: %w", key, err)
		}
	}
	pr, pw := io.Pipe()
	go func() {
		var err error
		if s.overlay {
			err = archive.TarOverlayUpper(ctx, pw, own)
		} else {
			err = archive.TarChanges(ctx, pw, own, changes)
		}
		pw.CloseWithError(err)
	}()
	return pr, nil
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
