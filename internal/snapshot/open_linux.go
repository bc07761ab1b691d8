package snapshot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/mount"
	"github.com/berth/berth/internal/store"
)

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
	db, err := store.Open(filepath.Join(root, "metadata.db"), bucketSnapshots)
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
	err := s.db.Update(func(tx *store.Tx) error {
		var scratch []string
		err := tx.ForEach(bucketSnapshots, func(k string, v []byte) error {
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode snapshot %s: %w", k, err)
			}
			if r.Kind == KindActive && strings.HasPrefix(k, TempPrefix) {
				scratch = append(scratch, k)
				return nil
			}
			known[r.dir()] = true
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range scratch {
			if err := tx.Delete(bucketSnapshots, k); err != nil {
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
