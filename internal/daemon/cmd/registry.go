package cmd

import (
	"github.com/berth/berth/internal/daemon"
)

// registryConfig is the registry part of daemon.json (dockerd's keys, plus
// berth's certs-dir: the certs.d directory, default /etc/berth/certs.d).
type registryConfig struct {
	MaxConcurrentDownloads int      `json:"max-concurrent-downloads,omitempty"`
	MaxConcurrentUploads   int      `json:"max-concurrent-uploads,omitempty"`
	InsecureRegistries     []string `json:"insecure-registries,omitempty"`
	RegistryMirrors        []string `json:"registry-mirrors,omitempty"`
	CertsDir               string   `json:"certs-dir,omitempty"`
}

func (r registryConfig) apply(cfg *daemon.Config) {
	cfg.Registry.MaxConcurrentDownloads = r.MaxConcurrentDownloads
	cfg.Registry.MaxConcurrentUploads = r.MaxConcurrentUploads
	cfg.Registry.InsecureRegistries = r.InsecureRegistries
	cfg.Registry.Mirrors = r.RegistryMirrors
	cfg.Registry.CertsDir = r.CertsDir
}
