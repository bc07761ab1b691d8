package command

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
)

// DefaultRegistry is the key docker uses for Docker Hub credentials.
const DefaultRegistry = "https://index.docker.io/v1/"

// ConfigFile is the part of the docker client config berth reads and
// writes: {"auths": {"server": {"auth": base64(user:pass)}}}. Other keys
// are kept as they are.
type ConfigFile struct {
	Path  string // the file
	raw   map[string]json.RawMessage
	Auths map[string]registry.AuthConfig // "auths", by server
}

// ConfigPath is $DOCKER_CONFIG/config.json or ~/.docker/config.json, the
// file the docker CLI uses, so logins are shared.
func ConfigPath(c Cli) string {
	dir := c.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".docker")
	}
	return filepath.Join(dir, "config.json")
}

// LoadConfig reads the client config file; a missing file is an empty one.
func LoadConfig(c Cli) (*ConfigFile, error) {
	cf := &ConfigFile{Path: ConfigPath(c), raw: map[string]json.RawMessage{}, Auths: map[string]registry.AuthConfig{}}
	data, err := os.ReadFile(cf.Path)
	if errors.Is(err, os.ErrNotExist) {
		return cf, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &cf.raw); err != nil {
		return nil, fmt.Errorf("parse %s: %w", cf.Path, err)
	}
	if a, ok := cf.raw["auths"]; ok {
		if err := json.Unmarshal(a, &cf.Auths); err != nil {
			return nil, fmt.Errorf("parse auths in %s: %w", cf.Path, err)
		}
	}
	return cf, nil
}

// Save writes the file back, with the other keys as they were.
func (cf *ConfigFile) Save() error {
	a, err := json.Marshal(cf.Auths)
	if err != nil {
		return err
	}
	cf.raw["auths"] = a
	data, err := json.MarshalIndent(cf.raw, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cf.Path), 0o700); err != nil {
		return err
	}
	tmp := cf.Path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, cf.Path)
}

// credentials returns the stored login for server, with user and password
// decoded from "auth".
func (cf *ConfigFile) credentials(server string) registry.AuthConfig {
	a, ok := cf.Auths[server]
	if !ok {
		return registry.AuthConfig{}
	}
	if a.Auth != "" {
		if dec, err := base64.StdEncoding.DecodeString(a.Auth); err == nil {
			a.Username, a.Password, _ = strings.Cut(string(dec), ":")
		}
	}
	a.Auth, a.ServerAddress = "", server
	return a
}

// RegistryAuth is the X-Registry-Auth header for the registry of ref.
func RegistryAuth(c Cli, ref reference.Named) string {
	server := reference.Domain(ref)
	if server == "docker.io" {
		server = DefaultRegistry
	}
	cf, err := LoadConfig(c)
	if err != nil {
		return "e30="
	}
	enc, err := authconfig.Encode(cf.credentials(server))
	if err != nil {
		return "e30="
	}
	return enc
}
