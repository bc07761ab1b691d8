package image

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/crashpoint"
	"github.com/berth/berth/internal/errdefs"
	"github.com/berth/berth/internal/recovery"
	"github.com/berth/berth/internal/snapshot"
	"github.com/berth/berth/internal/store"
)

// pin keeps chain IDs from GC while an image is being made of them; the
// returned function releases them.
func (s *Store) pin(chains ...digest.Digest) func() {
	s.mu.Lock()
	for _, c := range chains {
		s.pinned[c]++
	}
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		for _, c := range chains {
			if s.pinned[c]--; s.pinned[c] <= 0 {
				delete(s.pinned, c)
			}
		}
		s.mu.Unlock()
	}
}

// hasLayer reports whether the layer chain is complete: recorded, unpacked
// and its tar stored.
func (s *Store) hasLayer(ctx context.Context, chain digest.Digest) bool {
	var l layerRecord
	ok := false
	_ = s.db.View(func(tx *store.Tx) error {
		ok = tx.Get(bucketLayers, chain.String(), &l) == nil
		return nil
	})
	return ok && s.sn.Exists(ctx, chain.String()) && s.content.Has(ctx, l.DiffID)
}

// ApplyLayer stores the uncompressed layer tar r on top of the layer
// parent (a chain ID, "" for the base) and returns its diff ID and chain
// ID. The tar is written to the content store and unpacked into a scratch
// snapshot in one pass; the snapshot is committed under the chain ID only
// when both are complete (and expected, if set, matches). If the layer
// already exists it is reused and r is drained. The caller pins the result
// (see pin) until an image refers to it.
func (s *Store) ApplyLayer(ctx context.Context, parent digest.Digest, expected digest.Digest, r io.Reader) (digest.Digest, digest.Digest, error) {
	sink := func(r io.Reader) (digest.Digest, error) {
		d, _, err := s.content.Ingest(ctx, r, expected)
		return d, err
	}
	return s.applyLayer(ctx, parent, expected, r, sink, nil)
}

// applyLayerFile is ApplyLayer for an uncompressed layer tar in a file of
// the scratch area: the file is hashed while it is unpacked and then
// hard-linked into the content store instead of being copied.
func (s *Store) applyLayerFile(ctx context.Context, parent, expected digest.Digest, f *os.File) (digest.Digest, digest.Digest, error) {
	sink := func(r io.Reader) (digest.Digest, error) {
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return "", err
		}
		d := digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil))
		if expected != "" && d != expected {
			return "", errdefs.InvalidParameter(fmt.Errorf("blob digest mismatch: expected %s, got %s", expected, d))
		}
		return d, nil
	}
	adopt := func(d digest.Digest) error { return s.content.Adopt(ctx, f, d) }
	return s.applyLayer(ctx, parent, expected, f, sink, adopt)
}

// applyLayer unpacks r into a scratch snapshot on parent while sink
// consumes the same bytes and returns their digest; adopt, if set, then
// puts the blob in place. The snapshot is committed under the chain ID.
func (s *Store) applyLayer(ctx context.Context, parent, expected digest.Digest, r io.Reader,
	sink func(io.Reader) (digest.Digest, error), adopt func(digest.Digest) error) (digest.Digest, digest.Digest, error) {
	if expected != "" {
		chain := chainOf(parent, expected)
		if s.hasLayer(ctx, chain) {
			_, _ = io.Copy(io.Discard, r)
			return expected, chain, nil
		}
	}
	key := snapshot.TempPrefix + "layer-" + randomHex()
	if _, err := s.sn.Prepare(ctx, key, parent.String()); err != nil {
		return "", "", fmt.Errorf("prepare layer on %s: %w", parent, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = s.sn.Remove(context.WithoutCancel(ctx), key)
		}
	}()
	pr, pw := io.Pipe()
	type result struct {
		d   digest.Digest
		err error
	}
	done := make(chan result, 1)
	recovery.Go(nil, "store layer", func() {
		d, err := sink(pr)
		pr.CloseWithError(err)
		done <- result{d, err}
	}, func(err error) {
		pr.CloseWithError(err)
		select {
		case done <- result{err: err}:
		default:
		}
	})
	tee := io.TeeReader(r, pw)
	_, aerr := s.sn.Apply(ctx, key, tee)
	if aerr == nil {
		_, aerr = io.Copy(io.Discard, tee) // anything after the tar end
	}
	crashpoint.At("layer-mid-store")
	pw.CloseWithError(aerr)
	res := <-done
	if aerr != nil {
		return "", "", fmt.Errorf("unpack layer: %w", aerr)
	}
	if res.err != nil {
		return "", "", fmt.Errorf("store layer: %w", res.err)
	}
	diffID := res.d
	if adopt != nil {
		if err := adopt(diffID); err != nil {
			return "", "", fmt.Errorf("store layer: %w", err)
		}
	}
	chain := chainOf(parent, diffID)
	if s.sn.Exists(ctx, chain.String()) {
		// Unpacked before (by another image or an earlier crash).
		if err := s.recordLayer(ctx, chain, parent, diffID); err != nil {
			return "", "", err
		}
		return diffID, chain, nil
	}
	if err := s.sn.Commit(ctx, chain.String(), key); err != nil {
		if errdefs.IsConflict(err) {
			return diffID, chain, s.recordLayer(ctx, chain, parent, diffID)
		}
		return "", "", fmt.Errorf("commit layer %s: %w", chain, err)
	}
	committed = true
	return diffID, chain, s.recordLayer(ctx, chain, parent, diffID)
}

func (s *Store) recordLayer(ctx context.Context, chain, parent, diffID digest.Digest) error {
	size, _ := s.sn.Usage(ctx, chain.String())
	return s.db.Update(func(tx *store.Tx) error {
		return tx.Put(bucketLayers, chain.String(), layerRecord{DiffID: diffID, Parent: parent, Size: size})
	})
}

func chainOf(parent, diffID digest.Digest) digest.Digest {
	if parent == "" {
		return diffID
	}
	return digest.FromString(parent.String() + " " + diffID.String())
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
