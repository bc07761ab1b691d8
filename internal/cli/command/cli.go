package command

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
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

// WithClient is the RunE of a command whose first step talks to the
// daemon: it gets the API client (connecting, or failing, before anything
// else) and runs fn with it.
func WithClient(c Cli, fn func(cmd *cobra.Command, api client.APIClient, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		api, err := c.Client(cmd.Context())
		if err != nil {
			return err
		}
		return fn(cmd, api, args)
	}
}

// PrintMade ends a command that makes something (commit, network create,
// volume create): it prints the ID or name the daemon gave it, or returns
// err.
func PrintMade(c Cli, id string, err error) error {
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(c.Out(), id)
	return err
}

// New makes a command without subcommands: use is its usage line, short
// its one-line help, args checks its arguments and run does the work.
func New(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, args []string) error) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: args, RunE: run}
}

// NewAPI is New for a command whose first step talks to the daemon: run
// gets the API client (WithClient).
func NewAPI(c Cli, use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, api client.APIClient, args []string) error) *cobra.Command {
	return New(use, short, args, WithClient(c, run))
}
