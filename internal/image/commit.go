package image

import (
	"context"
	"fmt"
	"io"
	"path"
	"runtime"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth/berth/internal/archive"
)

// Commit creates an image from the active snapshot key on top of parent:
// the snapshot's diff becomes a new layer (none if nothing changed), the
// config is the parent's with opts.Config applied, and a history entry is
// appended.
func (s *Store) Commit(ctx context.Context, snapshotKey string, parent digest.Digest, opts CommitOptions) (digest.Digest, error) {
	s.gcMu.RLock()
	defer s.gcMu.RUnlock()
	var base dockerspec.DockerOCIImage
	var parentChain digest.Digest
	if parent != "" {
		p, err := s.Get(ctx, parent.String())
		if err != nil {
			return "", fmt.Errorf("commit: parent image: %w", err)
		}
		base = p.Config
		parentChain = digest.Digest(p.ChainID())
		parent = p.ID
	} else {
		base.OS, base.Architecture = "linux", runtime.GOARCH
	}
	rc, err := s.sn.Diff(ctx, snapshotKey)
	if err != nil {
		return "", fmt.Errorf("commit: diff of %s: %w", snapshotKey, err)
	}
	layer := io.Reader(rc)
	if len(opts.Exclude) > 0 {
		skip := map[string]bool{}
		for _, p := range opts.Exclude {
			skip[path.Clean("/"+p)] = true
		}
		f := archive.FilterTar(rc, func(p string) bool { return skip[p] })
		defer f.Close()
		layer = f
	}
	diffID, chain, err := s.ApplyLayer(ctx, parentChain, "", layer)
	rc.Close()
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	defer s.pin(chain)()
	if opts.AfterLayer != nil {
		opts.AfterLayer()
	}

	now := time.Now().UTC()
	cfg := base
	cfg.Created = &now
	if opts.Author != "" {
		cfg.Author = opts.Author
	}
	if opts.Config != nil {
		cfg.Config = *opts.Config
	}
	h := ocispec.History{Created: &now, CreatedBy: opts.CreatedBy, Author: opts.Author, Comment: opts.Comment}
	cfg.RootFS.Type = "layers"
	cfg.RootFS.DiffIDs = append(append([]digest.Digest(nil), base.RootFS.DiffIDs...), diffID)
	if diffID == EmptyLayerDiffID && parentChain != "" {
		// Nothing changed: no layer, as Docker marks it in history.
		cfg.RootFS.DiffIDs = cfg.RootFS.DiffIDs[:len(cfg.RootFS.DiffIDs)-1]
		h.EmptyLayer = true
	}
	cfg.History = append(append([]ocispec.History(nil), base.History...), h)
	return s.createTagged(ctx, cfg, parent, opts.Ref)
}
