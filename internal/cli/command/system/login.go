package system

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// NewLoginCommand makes "berth login".
func NewLoginCommand(c command.Cli) *cobra.Command {
	var user, password string
	var passwordStdin bool
	cmd := command.New("login [OPTIONS] [SERVER]", "Log in to a registry and keep the credentials for pull and push", command.MaxArgs(1),
		func(cmd *cobra.Command, args []string) error {
			server := registryArg(args)
			if passwordStdin {
				if password != "" {
					return errors.New("--password and --password-stdin are mutually exclusive")
				}
				if user == "" {
					return errors.New("must provide --username with --password-stdin")
				}
				b, err := io.ReadAll(c.In())
				if err != nil {
					return err
				}
				password = strings.TrimRight(string(b), "\r\n")
			}
			if user == "" || password == "" {
				rd := bufio.NewReader(c.In())
				if user == "" {
					user = strings.TrimSpace(prompt(c, rd, "Username: "))
				}
				if password == "" {
					password = strings.TrimRight(prompt(c, rd, "Password: "), "\r\n")
					fmt.Fprintln(c.Out())
				}
			}
			if user == "" || password == "" {
				return errors.New("Error: Username and password are required")
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := api.RegistryLogin(cmd.Context(), client.RegistryLoginOptions{Username: user, Password: password, ServerAddress: server})
			if err != nil {
				return err
			}
			cf, err := command.LoadConfig(c)
			if err != nil {
				return err
			}
			entry := registry.AuthConfig{Auth: base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
			if res.Auth.IdentityToken != "" {
				entry = registry.AuthConfig{Auth: base64.StdEncoding.EncodeToString([]byte(user + ":")), IdentityToken: res.Auth.IdentityToken}
			}
			cf.Auths[server] = entry
			if err := cf.Save(); err != nil {
				return fmt.Errorf("store credentials in %s: %w", cf.Path, err)
			}
			fmt.Fprintln(c.Out(), "Login Succeeded")
			return nil
		})
	f := cmd.Flags()
	f.StringVarP(&user, "username", "u", "", "User name at the registry")
	f.StringVarP(&password, "password", "p", "", "Password or access token")
	f.BoolVar(&passwordStdin, "password-stdin", false, "Read the password or access token from standard input")
	return cmd
}

// registryArg is the SERVER argument of login and logout, Docker Hub's
// when there is none.
func registryArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return command.DefaultRegistry
}

// prompt asks for one line of input.
func prompt(c command.Cli, rd *bufio.Reader, label string) string {
	fmt.Fprint(c.Out(), label)
	line, _ := rd.ReadString('\n')
	return line
}

// NewLogoutCommand makes "berth logout".
func NewLogoutCommand(c command.Cli) *cobra.Command {
	return command.New("logout [SERVER]", "Forget the stored credentials of a registry", command.MaxArgs(1),
		func(cmd *cobra.Command, args []string) error {
			server := registryArg(args)
			cf, err := command.LoadConfig(c)
			if err != nil {
				return err
			}
			if _, ok := cf.Auths[server]; !ok {
				fmt.Fprintf(c.Out(), "Not logged in to %s\n", server)
				return nil
			}
			fmt.Fprintf(c.Out(), "Removing login credentials for %s\n", server)
			delete(cf.Auths, server)
			return cf.Save()
		})
}
