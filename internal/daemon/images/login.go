package images

import (
	"context"

	"github.com/moby/moby/api/types/registry"

	"github.com/berth/berth/internal/distribution"
)

// RegistryLogin checks the credentials against the registry (POST /auth).
func (s *Service) RegistryLogin(ctx context.Context, cfg registry.AuthConfig) (string, string, error) {
	server := cfg.ServerAddress
	if server == "" {
		server = "https://index.docker.io/v1/"
	}
	if _, err := s.dist.Login(ctx, server, distribution.Auth{Username: cfg.Username, Password: cfg.Password, IdentityToken: cfg.IdentityToken, RegistryToken: cfg.RegistryToken}); err != nil {
		return "", "", err
	}
	return "Login Succeeded", "", nil
}
