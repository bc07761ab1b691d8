package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/berth/berth/internal/cli/command"
)

// Main runs the CLI with the arguments that follow the binary name and
// returns the process exit code.
func Main(args []string) int {
	// Signals keep their default action (exit) except where a command
	// takes them over: run, start -a and attach forward them to the
	// container, as docker's --sig-proxy does.
	c := &CLI{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Env: os.Getenv}
	return c.Run(context.Background(), args)
}

// Run executes one command line and returns the exit code; errors are
// printed to c.Stderr as docker prints them.
func (c *CLI) Run(ctx context.Context, args []string) int {
	root := c.newRootCommand(commandWord(args))
	root.SetArgs(args)
	root.SetIn(c.Stdin)
	root.SetOut(c.Stdout)
	root.SetErr(c.Stderr)
	err := root.ExecuteContext(ctx)
	c.closeClient()
	return reportError(c.Stderr, err)
}

// reportError prints err the way docker's main does and returns the exit
// status.
func reportError(w io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var st command.StatusError
	if errors.As(err, &st) {
		if st.Status != "" {
			fmt.Fprintln(w, st.Status)
		}
		if st.Code == 0 {
			return 1
		}
		return st.Code
	}
	if errors.Is(err, context.Canceled) {
		return 0
	}
	fmt.Fprintln(w, err)
	return 1
}
