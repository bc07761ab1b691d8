package image

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/store"
)

// createTagged records the image of config (marshalled to its blob) and,
// when ref is set, tags it ref.
func (s *Store) createTagged(ctx context.Context, config any, parent digest.Digest, ref string) (digest.Digest, error) {
	raw, err := json.Marshal(config)
	if err != nil {
		return "", err
	}
	id, err := s.Create(ctx, raw, parent)
	if err != nil || ref == "" {
		return id, err
	}
	return id, s.Tag(ctx, id, ref)
}

// Create records an image from its config blob. Every layer the config
// lists must already be in the store (ApplyLayer). The config is stored
// as given, so the image ID is its digest. Creating an existing image is a
// no-op that returns its ID.
func (s *Store) Create(ctx context.Context, config []byte, parent digest.Digest) (digest.Digest, error) {
	var cfg dockerspec.DockerOCIImage
	if err := json.Unmarshal(config, &cfg); err != nil {
		return "", errdefs.InvalidParameter(fmt.Errorf("invalid image config: %w", err))
	}
	if cfg.RootFS.Type != "" && cfg.RootFS.Type != "layers" {
		return "", errdefs.InvalidParameter(fmt.Errorf("invalid image config: unsupported rootfs type %q", cfg.RootFS.Type))
	}
	for _, c := range ChainIDs(cfg.RootFS.DiffIDs) {
		if !s.hasLayer(ctx, c) {
			return "", errdefs.InvalidParameter(fmt.Errorf("image config refers to missing layer %s", c))
		}
	}
	id, err := s.content.WriteBlob(ctx, config)
	if err != nil {
		return "", fmt.Errorf("store image config: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err = s.db.Update(func(tx *store.Tx) error {
		if tx.Exists(bucketImages, id.String()) {
			return nil
		}
		return tx.Put(bucketImages, id.String(), imageRecord{Parent: parent, Loaded: time.Now().UTC()})
	})
	if err != nil {
		return "", fmt.Errorf("record image %s: %w", id, err)
	}
	return id, nil
}
