package images

import (
	"context"

	"github.com/moby/moby/api/types/registry"

	"github.com/berth/berth/internal/distribution"
)

// DistributionInspect asks name's registry for its manifest descriptor and
// platforms (GET /distribution/{name}/json); auth is X-Registry-Auth.
func (s *Service) DistributionInspect(ctx context.Context, name, auth string) (*registry.DistributionInspect, error) {
	named, err := parsePullRef(name, "")
	if err != nil {
		return nil, err
	}
	return s.dist.Inspect(ctx, named, registryAuth(auth))
}

// ReloadRegistry takes the registry settings dockerd reloads live
// (distribution.Service.Reload).
func (s *Service) ReloadRegistry(cfg distribution.Config) { s.dist.Reload(cfg) }
