package distribution

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	dref "github.com/distribution/reference"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/api/types/registry"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth/berth/internal/errdefs"
)

// Inspect asks ref's registry for its manifest, as dockerd's GET
// /distribution/{name}/json: the manifest's descriptor and the platforms
// it serves (an index's entries, or a single image's from its config).
func (s *Service) Inspect(ctx context.Context, ref dref.Named, auth Auth) (*registry.DistributionInspect, error) {
	repo, err := s.repository(dref.Domain(ref), ref)
	if err != nil {
		return nil, err
	}
	familiar := dref.FamiliarString(ref)
	rt, err := s.transport(ctx, repo, auth, false)
	if err != nil {
		return nil, translate(err, dref.FamiliarName(ref), false)
	}
	nref, _ := nameRef(repo, ref)
	desc, err := remote.Get(nref, remote.WithTransport(rt), remote.WithContext(ctx))
	if err != nil {
		return nil, translate(err, familiar, false)
	}
	out := &registry.DistributionInspect{
		Descriptor: ocispec.Descriptor{MediaType: string(desc.MediaType), Digest: digest.Digest(desc.Digest.String()), Size: desc.Size},
		Platforms:  []ocispec.Platform{},
	}
	if desc.MediaType.IsIndex() {
		idx, err := v1.ParseIndexManifest(bytes.NewReader(desc.Manifest))
		if err != nil {
			return nil, errdefs.InvalidParameter(fmt.Errorf("%s: invalid index: %w", familiar, err))
		}
		for _, m := range idx.Manifests {
			if m.Platform != nil {
				out.Platforms = append(out.Platforms, ocispec.Platform{OS: m.Platform.OS, Architecture: m.Platform.Architecture,
					Variant: m.Platform.Variant, OSVersion: m.Platform.OSVersion, OSFeatures: m.Platform.OSFeatures})
			}
		}
		return out, nil
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("%s: invalid manifest: %w", familiar, err))
	}
	ps := &pullSession{s: s, repo: repo, rt: rt, ref: familiar}
	raw, err := ps.fetchSmall(ctx, digest.Digest(m.Config.Digest.String()))
	if err != nil {
		return nil, err
	}
	var p ocispec.Platform
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("%s: invalid image config: %w", familiar, err))
	}
	out.Platforms = append(out.Platforms, ocispec.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, OSVersion: p.OSVersion})
	return out, nil
}
