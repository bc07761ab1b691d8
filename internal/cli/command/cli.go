package command

import (
	"context"
	"io"

	"github.com/moby/moby/client"
)

// Cli is what a command needs from the invocation that runs it: the
// standard streams, the environment and the API client. internal/cli
// implements it.
type Cli interface {
	In() io.Reader
	Out() io.Writer
	Err() io.Writer
	// Getenv looks up an environment variable ("" when unset).
	Getenv(key string) string
	// Host is the address of the daemon the invocation talks to.
	Host() string
	// Client returns the API client, connecting on first use.
	Client(ctx context.Context) (client.APIClient, error)
}

// EnvLookup adapts c.Getenv to the (value, ok) form of os.LookupEnv; an
// empty variable counts as unset.
func EnvLookup(c Cli) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v := c.Getenv(k)
		return v, v != ""
	}
}
