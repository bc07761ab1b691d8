package command

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// The argument-count errors below are docker 28's, word for word.

// NoArgs refuses positional arguments (an unknown subcommand for a group).
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return fmt.Errorf("%s: unknown command: %s %s\n\nRun '%s --help' for more information", cmd.Root().Name(), cmd.CommandPath(), args[0], cmd.CommandPath())
	}
	return fmt.Errorf("%s: '%s' accepts no arguments\n\nUsage:  %s\n\nRun '%s --help' for more information",
		cmd.Root().Name(), cmd.CommandPath(), cmd.UseLine(), cmd.CommandPath())
}

func pluralArgs(n int) string {
	if n == 1 {
		return "argument"
	}
	return "arguments"
}

// MinArgs wants at least n positional arguments.
func MinArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= n {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires at least %d %s\n\nUsage:  %s\n\nSee '%s --help' for more information",
			cmd.Root().Name(), cmd.CommandPath(), n, pluralArgs(n), cmd.UseLine(), cmd.CommandPath())
	}
}

// MaxArgs wants at most n positional arguments.
func MaxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires at most %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information",
			cmd.Root().Name(), cmd.CommandPath(), n, pluralArgs(n), cmd.UseLine(), cmd.CommandPath())
	}
}

// ExactArgs wants exactly n positional arguments.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information",
			cmd.Root().Name(), cmd.CommandPath(), n, pluralArgs(n), cmd.UseLine(), cmd.CommandPath())
	}
}

// RangeArgs wants between lo and hi positional arguments.
func RangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= lo && len(args) <= hi {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires at least %d and at most %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information",
			cmd.Root().Name(), cmd.CommandPath(), lo, hi, pluralArgs(hi), cmd.UseLine(), cmd.CommandPath())
	}
}

// Rename gives a freshly made command another name (for the management
// forms: "berth container ls" is "berth ps").
func Rename(cmd *cobra.Command, name string, aliases ...string) *cobra.Command {
	if _, rest, ok := strings.Cut(cmd.Use, " "); ok {
		cmd.Use = name + " " + rest
	} else {
		cmd.Use = name
	}
	cmd.Aliases = aliases
	return cmd
}

// Group is a management command such as "berth network": it prints its
// help when run alone and holds the given subcommands.
func Group(use, short string, cmds ...*cobra.Command) *cobra.Command {
	cmd := New(use, short, NoArgs, func(cmd *cobra.Command, args []string) error { return cmd.Help() })
	cmd.AddCommand(cmds...)
	return cmd
}
