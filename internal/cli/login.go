package cli

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// defaultRegistry is the key docker uses for Docker Hub credentials.
const defaultRegistry = "https://index.docker.io/v1/"

// configFile is the part of the docker client config berth reads and
// writes: {"auths": {"server": {"auth": base64(user:pass)}}}. Other keys
// are kept as they are.
type configFile struct {
	path string
	raw  map[string]json.RawMessage
	auth map[string]registry.AuthConfig
}

// configPath is $DOCKER_CONFIG/config.json or ~/.docker/config.json, the
// file the docker CLI uses, so logins are shared.
func (c *CLI) configPath() string {
	dir := c.Env("DOCKER_CONFIG")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".docker")
	}
	return filepath.Join(dir, "config.json")
}

func (c *CLI) loadConfig() (*configFile, error) {
	cf := &configFile{path: c.configPath(), raw: map[string]json.RawMessage{}, auth: map[string]registry.AuthConfig{}}
	data, err := os.ReadFile(cf.path)
	if errors.Is(err, os.ErrNotExist) {
		return cf, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &cf.raw); err != nil {
		return nil, fmt.Errorf("parse %s: %w", cf.path, err)
	}
	if a, ok := cf.raw["auths"]; ok {
		if err := json.Unmarshal(a, &cf.auth); err != nil {
			return nil, fmt.Errorf("parse auths in %s: %w", cf.path, err)
		}
	}
	return cf, nil
}

func (cf *configFile) save() error {
	a, err := json.Marshal(cf.auth)
	if err != nil {
		return err
	}
	cf.raw["auths"] = a
	data, err := json.MarshalIndent(cf.raw, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(cf.path), 0o700); err != nil {
		return err
	}
	tmp := cf.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, cf.path)
}

// credentials returns the stored login for server, with user and password
// decoded from "auth".
func (cf *configFile) credentials(server string) registry.AuthConfig {
	a, ok := cf.auth[server]
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

// registryAuth is the X-Registry-Auth header for the registry of ref.
func (c *CLI) registryAuth(ref reference.Named) string {
	server := reference.Domain(ref)
	if server == "docker.io" {
		server = defaultRegistry
	}
	cf, err := c.loadConfig()
	if err != nil {
		return "e30="
	}
	enc, err := authconfig.Encode(cf.credentials(server))
	if err != nil {
		return "e30="
	}
	return enc
}

func (c *CLI) newLoginCommand() *cobra.Command {
	var user, password string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "login [OPTIONS] [SERVER]",
		Short: "Authenticate to a registry",
		Args:  maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			server := defaultRegistry
			if len(args) == 1 {
				server = args[0]
			}
			if passwordStdin {
				if password != "" {
					return errors.New("--password and --password-stdin are mutually exclusive")
				}
				if user == "" {
					return errors.New("must provide --username with --password-stdin")
				}
				b, err := io.ReadAll(c.In)
				if err != nil {
					return err
				}
				password = strings.TrimRight(string(b), "\r\n")
			}
			if user == "" || password == "" {
				rd := bufio.NewReader(c.In)
				if user == "" {
					fmt.Fprint(c.Out, "Username: ")
					line, _ := rd.ReadString('\n')
					user = strings.TrimSpace(line)
				}
				if password == "" {
					fmt.Fprint(c.Out, "Password: ")
					line, _ := rd.ReadString('\n')
					password = strings.TrimRight(line, "\r\n")
					fmt.Fprintln(c.Out)
				}
			}
			if user == "" || password == "" {
				return errors.New("Error: Username and password are required")
			}
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			res, err := api.RegistryLogin(cmd.Context(), client.RegistryLoginOptions{Username: user, Password: password, ServerAddress: server})
			if err != nil {
				return err
			}
			cf, err := c.loadConfig()
			if err != nil {
				return err
			}
			entry := registry.AuthConfig{Auth: base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
			if res.Auth.IdentityToken != "" {
				entry = registry.AuthConfig{Auth: base64.StdEncoding.EncodeToString([]byte(user + ":")), IdentityToken: res.Auth.IdentityToken}
			}
			cf.auth[server] = entry
			if err := cf.save(); err != nil {
				return fmt.Errorf("store credentials in %s: %w", cf.path, err)
			}
			fmt.Fprintln(c.Out, "Login Succeeded")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&user, "username", "u", "", "Username")
	f.StringVarP(&password, "password", "p", "", "Password or Personal Access Token (PAT)")
	f.BoolVar(&passwordStdin, "password-stdin", false, "Take the Password or Personal Access Token (PAT) from stdin")
	return cmd
}

func (c *CLI) newLogoutCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "logout [SERVER]",
		Short: "Log out from a registry",
		Args:  maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			server := defaultRegistry
			if len(args) == 1 {
				server = args[0]
			}
			cf, err := c.loadConfig()
			if err != nil {
				return err
			}
			if _, ok := cf.auth[server]; !ok {
				fmt.Fprintf(c.Out, "Not logged in to %s\n", server)
				return nil
			}
			fmt.Fprintf(c.Out, "Removing login credentials for %s\n", server)
			delete(cf.auth, server)
			return cf.save()
		},
	}
}
