package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Version is the berth version printed by "berth version" and "berth -v".
var Version = "0.1.0-dev"

func (c *CLI) newRootCommand() *cobra.Command {
	var showVersion bool
	root := &cobra.Command{
		Use:              "berth [OPTIONS] COMMAND [ARG...]",
		Short:            "A self-sufficient runtime for containers",
		SilenceUsage:     true,
		SilenceErrors:    true,
		TraverseChildren: true,
		Args:             noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if showVersion {
				fmt.Fprintf(c.Out, "berth version %s\n", Version)
				return nil
			}
			return cmd.Help()
		},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetFlagErrorFunc(flagError)
	root.DisableFlagsInUseLine = true
	setHelp(root)
	f := root.Flags()
	f.StringVarP(&c.host, "host", "H", "", "Daemon socket to connect to")
	f.BoolP("debug", "D", false, "Enable debug mode")
	f.StringP("log-level", "l", "info", "Set the logging level")
	f.String("config", "", "Location of client config files")
	f.String("context", "", "Name of the context to use")
	root.Flags().BoolVarP(&showVersion, "version", "v", false, "Print version information and quit")

	top := []*cobra.Command{
		// containers
		c.newRunCommand(), c.newCreateCommand(), c.newStartCommand(), c.newStopCommand(),
		c.newKillCommand(), c.newRestartCommand(), c.newRmCommand(), c.newPsCommand(),
		c.newLogsCommand(), c.newAttachCommand(), c.newExecCommand(), c.newWaitCommand(),
		c.newRenameCommand(), c.newTopCommand(), c.newCpCommand(), c.newDiffCommand(),
		c.newCommitCommand(), c.newExportCommand(), c.newPauseCommand(), c.newUnpauseCommand(),
		c.newPortCommand(), c.newUpdateCommand(), c.newStatsCommand(),
		// images
		c.newImagesCommand(), c.newImportCommand(), c.newLoadCommand(), c.newSaveCommand(),
		c.newTagCommand(), c.newRmiCommand(), c.newHistoryCommand(), c.newPullCommand(), c.newPushCommand(), c.newBuildCommand(),
		// system
		c.newInspectCommand(), c.newVersionCommand(), c.newInfoCommand(), c.newEventsCommand(),
		c.newLoginCommand(), c.newLogoutCommand(),
	}
	root.AddCommand(top...)
	root.AddCommand(c.newContainerCommand(), c.newImageCommand(), c.newSystemCommand(),
		c.newVolumeCommand(), c.newNetworkCommand(), c.newBuilderCommand())
	setFlagErrors(root)
	return root
}

func setFlagErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(flagError)
	cmd.InitDefaultHelpFlag()
	cmd.Flags().MarkHidden("help")
	cmd.DisableFlagsInUseLine = true
	for _, sub := range cmd.Commands() {
		setFlagErrors(sub)
	}
}

// flagError reports a bad flag with exit status 125: docker 28's text
// (usage line, "Run '… --help' for more information") plus the older
// docker's "See '… --help'." line right after the error.
func flagError(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	return StatusError{Code: 125, Status: fmt.Sprintf("%s\nSee '%s --help'.\n\nUsage:  %s\n\nRun '%s --help' for more information",
		err, cmd.CommandPath(), cmd.UseLine(), cmd.CommandPath())}
}

// The argument-count errors below are docker 28's, word for word.

func noArgs(cmd *cobra.Command, args []string) error {
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

func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= n {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires at least %d %s\n\nUsage:  %s\n\nSee '%s --help' for more information",
			cmd.Root().Name(), cmd.CommandPath(), n, pluralArgs(n), cmd.UseLine(), cmd.CommandPath())
	}
}

func maxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires at most %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information",
			cmd.Root().Name(), cmd.CommandPath(), n, pluralArgs(n), cmd.UseLine(), cmd.CommandPath())
	}
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information",
			cmd.Root().Name(), cmd.CommandPath(), n, pluralArgs(n), cmd.UseLine(), cmd.CommandPath())
	}
}

func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= lo && len(args) <= hi {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires at least %d and at most %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information",
			cmd.Root().Name(), cmd.CommandPath(), lo, hi, pluralArgs(hi), cmd.UseLine(), cmd.CommandPath())
	}
}

// rename gives a freshly made command another name (for the management
// forms: "berth container ls" is "berth ps").
func rename(cmd *cobra.Command, name string, aliases ...string) *cobra.Command {
	if _, rest, ok := strings.Cut(cmd.Use, " "); ok {
		cmd.Use = name + " " + rest
	} else {
		cmd.Use = name
	}
	cmd.Aliases = aliases
	return cmd
}
