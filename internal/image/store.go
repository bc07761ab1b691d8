package image

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/content"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/reference"
	"github.com/berth/berth/internal/snapshot"
	"github.com/berth/berth/internal/store"
)

// NewStore opens the image store with metadata under root, blobs in cs and
// layers in sn. Opening reconciles what a crash may have left: scratch files
// under root/tmp, and layers and snapshots no image refers to.
func NewStore(root string, cs *content.Store, sn snapshot.Snapshotter) (*Store, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("create image store %s: %w", root, err)
	}
	if err := os.RemoveAll(filepath.Join(root, "tmp")); err != nil {
		return nil, fmt.Errorf("clean image scratch dir: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("create image scratch dir: %w", err)
	}
	db, err := store.Open(filepath.Join(root, "meta.db"), bucketImages, bucketTags, bucketDigests, bucketLayers)
	if err != nil {
		return nil, fmt.Errorf("open image metadata: %w", err)
	}
	s := &Store{root: root, db: db, content: cs, sn: sn, pinned: map[digest.Digest]int{}}
	if _, err := s.GC(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the metadata database.
func (s *Store) Close() error { return s.db.Close() }

// Snapshotter returns the snapshotter holding the layers.
func (s *Store) Snapshotter() snapshot.Snapshotter { return s.sn }

// Content returns the content store holding configs and layer tars.
func (s *Store) Content() *content.Store { return s.content }

// NotFoundError is Docker's "No such image" error.
func NotFoundError(ref string) error {
	return errdefs.NotFound(fmt.Errorf("No such image: %s", ref)) //nolint:staticcheck // Docker's wording
}

// Get resolves a reference or an (abbreviated) image ID.
func (s *Store) Get(ctx context.Context, refOrID string) (*Image, error) {
	id, err := s.Resolve(ctx, refOrID)
	if err != nil {
		return nil, err
	}
	return s.byID(ctx, id)
}

// Resolve returns the image ID that refOrID names: a full ID, a tag or
// digest reference, or a unique ID prefix (in that order, as Docker).
func (s *Store) Resolve(ctx context.Context, refOrID string) (digest.Digest, error) {
	if strings.HasPrefix(refOrID, "sha256:") && len(refOrID) == 71 {
		if d, err := digest.Parse(refOrID); err == nil && s.exists(d) {
			return d, nil
		}
		return "", NotFoundError(refOrID)
	}
	var id digest.Digest
	named, perr := reference.Parse(refOrID)
	if perr == nil {
		key := named.String()
		_ = s.db.View(func(tx *store.Tx) error {
			if v, ok := tx.GetString(refBucket(key), key); ok {
				id = digest.Digest(v)
			}
			return nil
		})
		if id != "" {
			return id, nil
		}
	}
	if reference.LooksLikeID(refOrID) {
		prefix := "sha256:" + reference.TrimID(refOrID)
		var matches []digest.Digest
		_ = s.db.View(func(tx *store.Tx) error {
			for _, k := range tx.KeysWithPrefix(bucketImages, prefix) {
				matches = append(matches, digest.Digest(k))
			}
			return nil
		})
		switch len(matches) {
		case 1:
			return matches[0], nil
		case 0:
		default:
			if len(refOrID) >= 1 {
				return "", errdefs.InvalidParameter(fmt.Errorf("multiple IDs found with provided prefix: %s", refOrID))
			}
		}
	}
	if perr != nil && !reference.LooksLikeID(refOrID) {
		return "", perr
	}
	if perr == nil {
		// Docker names the normalised reference: "No such image: busybox:latest".
		return "", NotFoundError(reference.Familiar(named.String()))
	}
	return "", NotFoundError(refOrID)
}

func (s *Store) exists(id digest.Digest) bool {
	found := false
	_ = s.db.View(func(tx *store.Tx) error {
		found = tx.Exists(bucketImages, id.String())
		return nil
	})
	return found
}

// byID assembles the Image id from its record, config and tags.
func (s *Store) byID(ctx context.Context, id digest.Digest) (*Image, error) {
	var rec imageRecord
	img := &Image{ID: id, RepoTags: []string{}, RepoDigests: []string{}}
	var layerSize int64
	err := s.db.View(func(tx *store.Tx) error {
		if err := getImage(tx, id, &rec); err != nil {
			return err
		}
		img.RepoTags = refsTo(tx, bucketTags, id)
		img.RepoDigests = refsTo(tx, bucketDigests, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	raw, err := s.content.ReadBlob(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read config of image %s: %w", id, err)
	}
	if err := json.Unmarshal(raw, &img.Config); err != nil {
		return nil, fmt.Errorf("decode config of image %s: %w", id, err)
	}
	_ = s.db.View(func(tx *store.Tx) error {
		for _, c := range ChainIDs(img.Config.RootFS.DiffIDs) {
			var l layerRecord
			if tx.Get(bucketLayers, c.String(), &l) == nil {
				layerSize += l.Size
			}
		}
		return nil
	})
	sort.Strings(img.RepoTags)
	sort.Strings(img.RepoDigests)
	img.Size = layerSize
	img.Parent = rec.Parent
	img.LastTagTime = rec.LastTagTime
	if img.Config.Created != nil {
		img.Created = *img.Config.Created
	}
	return img, nil
}

// List returns every image.
func (s *Store) List(ctx context.Context) ([]*Image, error) {
	var ids []digest.Digest
	_ = s.db.View(func(tx *store.Tx) error {
		return tx.ForEach(bucketImages, func(k string, _ []byte) error {
			ids = append(ids, digest.Digest(k))
			return nil
		})
	})
	out := make([]*Image, 0, len(ids))
	for _, id := range ids {
		img, err := s.byID(ctx, id)
		if err != nil {
			if errdefs.IsNotFound(err) {
				continue
			}
			return nil, err
		}
		out = append(out, img)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Children returns the IDs of the images whose parent is id.
func (s *Store) Children(ctx context.Context, id digest.Digest) []digest.Digest {
	var out []digest.Digest
	_ = s.db.View(func(tx *store.Tx) error {
		return tx.ForEach(bucketImages, func(k string, v []byte) error {
			var r imageRecord
			if json.Unmarshal(v, &r) == nil && r.Parent == id {
				out = append(out, digest.Digest(k))
			}
			return nil
		})
	})
	return out
}

// Tag points the reference ref (normalised with reference.Parse) at id,
// moving it from any image it named before.
func (s *Store) Tag(ctx context.Context, id digest.Digest, ref string) error {
	named, err := reference.Parse(ref)
	if err != nil {
		return err
	}
	key := named.String()
	if reference.Digest(key) != "" {
		return errdefs.InvalidParameter(fmt.Errorf("refusing to create a tag with a digest reference: %s", ref))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Update(func(tx *store.Tx) error {
		var rec imageRecord
		if err := getImage(tx, id, &rec); err != nil {
			return err
		}
		rec.LastTagTime = time.Now().UTC()
		if err := tx.Put(bucketImages, id.String(), rec); err != nil {
			return err
		}
		return tx.PutString(bucketTags, key, id.String())
	})
}

// SetRepoDigest records name@digest as a RepoDigest of id (used by pull).
func (s *Store) SetRepoDigest(ctx context.Context, id digest.Digest, canonical string) error {
	named, err := reference.Parse(canonical)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Update(func(tx *store.Tx) error {
		return tx.PutString(bucketDigests, named.String(), id.String())
	})
}

// Untag removes the reference ref and returns the image it named.
func (s *Store) Untag(ctx context.Context, ref string) (digest.Digest, error) {
	named, err := reference.Parse(ref)
	if err != nil {
		return "", err
	}
	key := named.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	var id digest.Digest
	err = s.db.Update(func(tx *store.Tx) error {
		v, ok := tx.GetString(refBucket(key), key)
		if !ok {
			return NotFoundError(ref)
		}
		id = digest.Digest(v)
		return tx.Delete(refBucket(key), key)
	})
	return id, err
}

// Delete removes the image id with its remaining references and returns
// the chain IDs of the layers that no other image used and that were
// removed.
func (s *Store) Delete(ctx context.Context, id digest.Digest) ([]digest.Digest, error) {
	s.mu.Lock()
	err := s.db.Update(func(tx *store.Tx) error {
		if !tx.Exists(bucketImages, id.String()) {
			return NotFoundError(id.String())
		}
		for _, b := range []string{bucketTags, bucketDigests} {
			for _, k := range refsTo(tx, b, id) {
				if err := tx.Delete(b, k); err != nil {
					return err
				}
			}
		}
		return tx.Delete(bucketImages, id.String())
	})
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	_ = s.content.Delete(ctx, id)
	if !s.gcMu.TryLock() {
		// An image is being made; its layers are collected by a later GC.
		return nil, nil
	}
	defer s.gcMu.Unlock()
	return s.gc(ctx)
}
