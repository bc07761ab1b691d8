package images

import (
	"context"
	"fmt"
	"io"
	"sort"

	dref "github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/distribution"
	"github.com/berth/berth/internal/errdefs"
)

// ImagePush pushes name (with tag, or every local tag of the repository
// for a bare name) and writes Docker's JSON progress to out.
func (s *Service) ImagePush(ctx context.Context, name, tag, auth string, out io.Writer) error {
	named, err := parsePullRef(name, tag)
	if err != nil {
		return err
	}
	if _, ok := named.(dref.Canonical); ok {
		return errdefs.InvalidParameter(fmt.Errorf("cannot push a digest reference: %s", dref.FamiliarString(named)))
	}
	var refs []dref.NamedTagged
	if t, ok := named.(dref.NamedTagged); ok {
		if _, err := s.store.Resolve(ctx, named.String()); err != nil {
			return errdefs.NotFound(fmt.Errorf("An image does not exist locally with the tag: %s", dref.FamiliarString(named))) //nolint:staticcheck // Docker's wording
		}
		refs = append(refs, t)
	} else {
		imgs, err := s.store.List(ctx)
		if err != nil {
			return err
		}
		for _, img := range imgs {
			for _, rt := range img.RepoTags {
				if n, err := dref.ParseNormalizedNamed(rt); err == nil && n.Name() == named.Name() {
					if t, ok := n.(dref.NamedTagged); ok {
						refs = append(refs, t)
					}
				}
			}
		}
		if len(refs) == 0 {
			return errdefs.NotFound(fmt.Errorf("An image does not exist locally with the tag: %s", dref.FamiliarName(named))) //nolint:staticcheck // Docker's wording
		}
		sort.Slice(refs, func(i, j int) bool { return refs[i].Tag() < refs[j].Tag() })
	}
	a := registryAuth(auth)
	p := distribution.NewProgress(out)
	p.Status("", "The push refers to repository ["+named.Name()+"]")
	for _, ref := range refs {
		img, err := s.store.Get(ctx, ref.String())
		if err != nil {
			return err
		}
		config, err := s.store.Content().ReadBlob(ctx, img.ID)
		if err != nil {
			return err
		}
		pi := distribution.PushImage{
			Config:  config,
			DiffIDs: img.Config.RootFS.DiffIDs,
			Open: func(ctx context.Context, diffID digest.Digest) (io.ReadCloser, error) {
				return s.store.Content().Open(ctx, diffID)
			},
		}
		res, err := s.dist.Push(ctx, ref, pi, a, p)
		if err != nil {
			return err
		}
		_ = s.store.SetRepoDigest(ctx, img.ID, ref.Name()+"@"+res.Digest.String())
		p.Status("", fmt.Sprintf("%s: digest: %s size: %d", ref.Tag(), res.Digest, res.Size))
		p.Aux(map[string]any{"Tag": ref.Tag(), "Digest": res.Digest.String(), "Size": res.Size})
		s.event("push", dref.FamiliarString(ref), dref.FamiliarString(ref))
	}
	return nil
}
