package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/moby/moby/client"
)

// DefaultHost is the daemon address used when neither -H, BERTH_HOST nor
// DOCKER_HOST name one.
const DefaultHost = "unix:///run/berth/berth.sock"

// DefaultDataRoot is the daemon's default data root; an auto-started daemon
// logs to berth.log inside it.
const DefaultDataRoot = "/var/lib/berth"

// CLI holds the streams, environment and the lazily made API client of one
// command-line invocation.
type CLI struct {
	Stdin  io.Reader // the streams the In, Out and Err methods return
	Stdout io.Writer
	Stderr io.Writer
	// Env looks up environment variables (os.Getenv in production).
	Env func(string) string
	// NoAutoStart disables starting a daemon when none answers (so does
	// the environment variable BERTH_NO_AUTOSTART, for scripts that start
	// their own daemon and wait for it).
	NoAutoStart bool

	host string // from -H
	api  *client.Client
}

// ResolveHost picks the daemon address: the -H flag, then BERTH_HOST, then
// DOCKER_HOST, then DefaultHost.
func ResolveHost(flagHost string, getenv func(string) string) string {
	if flagHost != "" {
		return flagHost
	}
	for _, k := range []string{"BERTH_HOST", "DOCKER_HOST"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return DefaultHost
}

// Client returns the API client, connecting (and starting a daemon if none
// answers, as root, for unix sockets) on first use.
func (c *CLI) Client(ctx context.Context) (client.APIClient, error) {
	if c.api != nil {
		return c.api, nil
	}
	host := c.Host()
	opts := []client.Opt{client.WithHost(host), client.WithUserAgent("berth-cli")}
	if c.Getenv("DOCKER_CERT_PATH") != "" {
		// DOCKER_CERT_PATH / DOCKER_TLS_VERIFY, as the docker CLI reads them.
		opts = append(opts, client.WithTLSClientConfigFromEnv())
	}
	if v := c.Getenv("DOCKER_API_VERSION"); v != "" {
		opts = append(opts, client.WithAPIVersion(v))
	} else {
		opts = append(opts, client.WithAPIVersionNegotiation())
	}
	api, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("create api client for %s: %w", host, err)
	}
	if _, err := api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		if !client.IsErrConnectionFailed(err) || c.NoAutoStart || c.Getenv("BERTH_NO_AUTOSTART") != "" || !strings.HasPrefix(host, "unix://") {
			c.api = api // let the real request report the error as docker does
			return api, nil
		}
		dataRoot := c.Getenv("BERTH_DATA_ROOT")
		if host != DefaultHost && dataRoot == "" {
			// A daemon on another socket must not share the default data
			// root with the default daemon: its data lives next to its
			// socket, as its exec root does.
			dataRoot = strings.TrimPrefix(host, "unix://") + ".data"
		}
		if err := autoStart(ctx, api, host, dataRoot); err != nil {
			c.api = api
			if err == errNotRoot {
				return api, nil
			}
			return nil, err
		}
	}
	c.api = api
	return api, nil
}

func (c *CLI) closeClient() {
	if c.api != nil {
		c.api.Close()
	}
}

// In is the standard input of the invocation.
func (c *CLI) In() io.Reader { return c.Stdin }

// Out is the standard output of the invocation.
func (c *CLI) Out() io.Writer { return c.Stdout }

// Err is the standard error of the invocation.
func (c *CLI) Err() io.Writer { return c.Stderr }

// Host is the daemon address: -H, BERTH_HOST, DOCKER_HOST or DefaultHost.
func (c *CLI) Host() string { return ResolveHost(c.host, c.Getenv) }

// Getenv looks up an environment variable through c.Env (os.Getenv when
// unset).
func (c *CLI) Getenv(key string) string {
	if c.Env == nil {
		return os.Getenv(key)
	}
	return c.Env(key)
}
