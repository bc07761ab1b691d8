package images

import (
	"context"
	"fmt"
	"io"
	"strings"

	dref "github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/opencontainers/go-digest"

	"github.com/berth/berth/internal/distribution"
	"github.com/berth/berth/internal/errdefs"
)

// registryAuth decodes the X-Registry-Auth header ("" or invalid: none).
func registryAuth(header string) distribution.Auth {
	if header == "" {
		return distribution.Auth{}
	}
	a, err := authconfig.Decode(header)
	if err != nil || a == nil {
		return distribution.Auth{}
	}
	return distribution.Auth{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken}
}

// parsePullRef joins image and tag (a tag or a digest) as the API does.
func parsePullRef(image, tag string) (dref.Named, error) {
	named, err := dref.ParseNormalizedNamed(image)
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid reference format: %w", err))
	}
	if tag == "" {
		return named, nil
	}
	if !dref.IsNameOnly(named) {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid reference format: %q already has a tag or digest", image))
	}
	if dg, err := digest.Parse(tag); err == nil {
		return dref.WithDigest(named, dg)
	}
	t, err := dref.WithTag(named, tag)
	if err != nil {
		return nil, errdefs.InvalidParameter(fmt.Errorf("invalid tag format: %w", err))
	}
	return t, nil
}

// ImagePull pulls image (with tag, or every tag for a bare name) from its
// registry and writes Docker's JSON progress to out.
func (s *Service) ImagePull(ctx context.Context, image, tag, platform, auth string, out io.Writer) error {
	named, err := parsePullRef(image, tag)
	if err != nil {
		return err
	}
	if platform != "" && !strings.HasPrefix(platform, "linux") {
		return errdefs.InvalidParameter(fmt.Errorf("image operating system %q cannot be used on this platform", platform))
	}
	a := registryAuth(auth)
	p := distribution.NewProgress(out)
	if !dref.IsNameOnly(named) {
		return s.pullOne(ctx, named, platform, a, p, true)
	}
	tags, err := s.dist.Tags(ctx, named, a)
	if err != nil {
		return err
	}
	for _, t := range tags {
		tr, err := dref.WithTag(named, t)
		if err != nil {
			continue
		}
		if err := s.pullOne(ctx, tr, platform, a, p, false); err != nil {
			return err
		}
	}
	p.Status("", "Status: Downloaded newer image for "+dref.FamiliarName(named))
	return nil
}

// pullOne pulls one tag or digest and makes the image visible only once
// every layer is in place.
func (s *Service) pullOne(ctx context.Context, named dref.Named, platform string, a distribution.Auth, p *distribution.Progress, status bool) error {
	release := s.store.Hold()
	defer release()
	prev, _ := s.store.Resolve(ctx, named.String())
	res, err := s.dist.Pull(ctx, named, platform, a, s.store, p)
	if err != nil {
		return err
	}
	id, err := s.store.Create(ctx, res.Config, "")
	if err != nil {
		return err
	}
	if _, ok := named.(dref.Tagged); ok {
		if err := s.store.Tag(ctx, id, named.String()); err != nil {
			return err
		}
	}
	if err := s.store.SetRepoDigest(ctx, id, dref.TrimNamed(named).String()+"@"+res.ManifestDigest.String()); err != nil {
		return err
	}
	res.Done()
	p.Status("", "Digest: "+res.ManifestDigest.String())
	if status {
		if prev == id {
			p.Status("", "Status: Image is up to date for "+dref.FamiliarString(named))
		} else {
			p.Status("", "Status: Downloaded newer image for "+dref.FamiliarString(named))
		}
	}
	s.event("pull", dref.FamiliarString(named), dref.FamiliarString(named))
	return nil
}
