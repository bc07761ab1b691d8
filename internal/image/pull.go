package image

import (
	"context"
	"io"

	"github.com/opencontainers/go-digest"
)

// HasLayer reports whether the layer chain is complete (recorded,
// unpacked and its tar stored), so a puller can skip it.
func (s *Store) HasLayer(ctx context.Context, chain digest.Digest) bool {
	return s.hasLayer(ctx, chain)
}

// Hold keeps GC away while an image is being made by a puller: layers
// applied meanwhile stay until release, after which an image must refer to
// them or the next GC drops them.
func (s *Store) Hold() (release func()) {
	s.gcMu.RLock()
	return s.gcMu.RUnlock
}

// OpenLayer opens the stored tar of the layer diffID (errdefs.NotFound if
// absent), so a puller can unpack it under another parent without a
// download.
func (s *Store) OpenLayer(ctx context.Context, diffID digest.Digest) (io.ReadCloser, error) {
	return s.content.Open(ctx, diffID)
}
