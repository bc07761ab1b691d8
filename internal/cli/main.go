package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Main runs the CLI with the arguments that follow the binary name and
// returns the process exit code.
func Main(args []string) int {
	// Signals keep their default action (exit) except where a command
	// takes them over: run, start -a and attach forward them to the
	// container, as docker's --sig-proxy does.
	c := &CLI{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Env: os.Getenv}
	return c.Run(context.Background(), args)
}

// Run executes one command line and returns the exit code; errors are
// printed to c.Err as docker prints them.
func (c *CLI) Run(ctx context.Context, args []string) int {
	root := c.newRootCommand(commandWord(args))
	root.SetArgs(args)
	root.SetIn(c.In)
	root.SetOut(c.Out)
	root.SetErr(c.Err)
	err := root.ExecuteContext(ctx)
	c.closeClient()
	return reportError(c.Err, err)
}

// reportError prints err the way docker's main does and returns the exit
// status.
func reportError(w io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var st StatusError
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

// StatusError carries an exit status; Status, when not empty, is printed on
// stderr.
type StatusError struct {
	Status string
	Code   int
}

func (e StatusError) Error() string {
	if e.Status == "" {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Status
}
