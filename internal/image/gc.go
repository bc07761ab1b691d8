package image

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/snapshot"
	"github.com/berth/berth/internal/store"
)

// GC removes layers (records, snapshots, blobs) that no image uses, and
// committed snapshots that no layer record describes (what a crash between
// unpacking and recording leaves). Layers still under a container's
// snapshot stay until that is removed. It returns the removed chain IDs.
func (s *Store) GC(ctx context.Context) ([]digest.Digest, error) {
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	return s.gc(ctx)
}

func (s *Store) gc(ctx context.Context) ([]digest.Digest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	used := map[digest.Digest]bool{}
	usedDiff := map[digest.Digest]bool{}
	layers := map[digest.Digest]layerRecord{}
	err := s.db.View(func(tx *store.Tx) error {
		err := tx.ForEach(bucketImages, func(k string, _ []byte) error {
			raw, err := s.content.ReadBlob(ctx, digest.Digest(k))
			if err != nil {
				return nil
			}
			var cfg dockerspec.DockerOCIImage
			if json.Unmarshal(raw, &cfg) != nil {
				return nil
			}
			for _, c := range ChainIDs(cfg.RootFS.DiffIDs) {
				used[c] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.ForEach(bucketLayers, func(k string, v []byte) error {
			var l layerRecord
			if json.Unmarshal(v, &l) == nil {
				layers[digest.Digest(k)] = l
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("collect layers: %w", err)
	}
	for c := range s.pinned {
		used[c] = true
	}
	for c, l := range layers {
		if used[c] {
			usedDiff[l.DiffID] = true
		}
	}
	// Remove unused snapshots top-down: a snapshot with children cannot go.
	var removed []digest.Digest
	for {
		progress := false
		var infos []snapshot.Info
		_ = s.sn.Walk(ctx, func(i snapshot.Info) error { infos = append(infos, i); return nil })
		parents := map[string]bool{}
		for _, i := range infos {
			parents[i.Parent] = true
		}
		for _, i := range infos {
			c := digest.Digest(i.Key)
			if i.Kind != snapshot.KindCommitted || used[c] || parents[i.Key] || !strings.HasPrefix(i.Key, "sha256:") {
				continue
			}
			if err := s.sn.Remove(ctx, i.Key); err != nil {
				continue
			}
			removed = append(removed, c)
			progress = true
		}
		if !progress {
			break
		}
	}
	// Drop layer records whose snapshot is gone, and their unused blobs.
	err = s.db.Update(func(tx *store.Tx) error {
		for c, l := range layers {
			if used[c] || s.sn.Exists(ctx, c.String()) {
				continue
			}
			if err := tx.Delete(bucketLayers, c.String()); err != nil {
				return err
			}
			if !usedDiff[l.DiffID] {
				_ = s.content.Delete(ctx, l.DiffID)
			}
		}
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("drop unused layers: %w", err)
	}
	return removed, nil
}
