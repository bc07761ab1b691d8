package cmd

import (
	"fmt"
	"net/url"

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

// apply puts the registry settings into cfg, checking the concurrency
// and the mirrors as dockerd does (with its words).
func (r registryConfig) apply(cfg *daemon.Config) error {
	if r.MaxConcurrentDownloads < 0 {
		return fmt.Errorf("invalid max concurrent downloads: %d", r.MaxConcurrentDownloads)
	}
	if r.MaxConcurrentUploads < 0 {
		return fmt.Errorf("invalid max concurrent uploads: %d", r.MaxConcurrentUploads)
	}
	for _, m := range r.RegistryMirrors {
		u, err := url.Parse(m)
		switch {
		case err != nil:
			return fmt.Errorf("invalid mirror: %q is not a valid URI", m)
		case u.Scheme != "http" && u.Scheme != "https":
			return fmt.Errorf("invalid mirror: unsupported scheme %q in %q", u.Scheme, m)
		case u.RawQuery != "" || u.Fragment != "":
			return fmt.Errorf("invalid mirror: query or fragment at end of the URI %q", m)
		case u.User != nil:
			return fmt.Errorf("invalid mirror: username/password not allowed in URI %q", u.Redacted())
		}
	}
	cfg.Registry.MaxConcurrentDownloads = r.MaxConcurrentDownloads
	cfg.Registry.MaxConcurrentUploads = r.MaxConcurrentUploads
	cfg.Registry.InsecureRegistries = r.InsecureRegistries
	cfg.Registry.Mirrors = r.RegistryMirrors
	cfg.Registry.CertsDir = r.CertsDir
	return nil
}
