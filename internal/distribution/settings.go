package distribution

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/registry"
)

// WithDefaults returns c with Docker's defaults for the limits of layers
// at once it leaves unset.
func (c Config) WithDefaults() Config {
	if c.MaxConcurrentDownloads <= 0 {
		c.MaxConcurrentDownloads = 3
	}
	if c.MaxConcurrentUploads <= 0 {
		c.MaxConcurrentUploads = 5
	}
	return c
}

// ServiceConfig is info's RegistryConfig as dockerd shows it: loopback
// and the insecure CIDRs, an index of each insecure host, and docker.io's
// with the mirrors.
func (c Config) ServiceConfig() *registry.ServiceConfig {
	sc := &registry.ServiceConfig{
		InsecureRegistryCIDRs: []netip.Prefix{netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("127.0.0.0/8")},
		IndexConfigs:          map[string]*registry.IndexInfo{}, Mirrors: []string{},
	}
	for _, m := range c.Mirrors {
		sc.Mirrors = append(sc.Mirrors, strings.TrimSuffix(m, "/")+"/")
	}
	sc.IndexConfigs["docker.io"] = &registry.IndexInfo{Name: "docker.io", Mirrors: sc.Mirrors, Secure: true, Official: true}
	for _, h := range c.InsecureRegistries {
		if p, err := netip.ParsePrefix(h); err == nil {
			sc.InsecureRegistryCIDRs = append(sc.InsecureRegistryCIDRs, p)
			continue
		}
		sc.IndexConfigs[h] = &registry.IndexInfo{Name: h, Mirrors: []string{}}
	}
	return sc
}

// ReloadChanges lists, as "key=value" with daemon.json's keys, the
// settings a reload from c to n changes (those Reload takes).
func (c Config) ReloadChanges(n Config) []string {
	var changed []string
	note := func(key string, same bool, v any) {
		if !same {
			changed = append(changed, fmt.Sprintf("%s=%v", key, v))
		}
	}
	note("max-concurrent-downloads", c.MaxConcurrentDownloads == n.MaxConcurrentDownloads, n.MaxConcurrentDownloads)
	note("max-concurrent-uploads", c.MaxConcurrentUploads == n.MaxConcurrentUploads, n.MaxConcurrentUploads)
	note("insecure-registries", slices.Equal(c.InsecureRegistries, n.InsecureRegistries), n.InsecureRegistries)
	note("registry-mirrors", slices.Equal(c.Mirrors, n.Mirrors), n.Mirrors)
	return changed
}

// ReloadAttributes are the attributes of the daemon's reload event that
// say c, as dockerd writes them (the limits with their defaults, the lists
// in JSON).
func (c Config) ReloadAttributes() map[string]string {
	c = c.WithDefaults()
	list := func(l []string) string {
		b, _ := json.Marshal(append([]string{}, l...))
		return string(b)
	}
	return map[string]string{
		"max-concurrent-downloads": fmt.Sprint(c.MaxConcurrentDownloads), "max-concurrent-uploads": fmt.Sprint(c.MaxConcurrentUploads),
		"insecure-registries": list(c.InsecureRegistries), "registry-mirrors": list(c.Mirrors),
	}
}
