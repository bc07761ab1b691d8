package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// Version is the berth version printed by "berth version" and "berth -v".
var Version = "0.1.0-dev"

// newRootCommand builds the command tree. When only names a top-level
// command, only that one is built: a CLI start then defines the flags of
// one command instead of all of them (most of the cost of a short command
// such as `berth run --rm IMAGE true`). Help and unknown commands build
// the whole tree.
func (c *CLI) newRootCommand(only string) *cobra.Command {
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

	cmds := c.commands()
	if !slices.ContainsFunc(cmds, func(e topCommand) bool { return e.name == only }) {
		only = ""
	}
	for _, e := range cmds {
		if only == "" || e.name == only {
			root.AddCommand(e.new())
		}
	}
	setFlagErrors(root)
	return root
}

// topCommand is a top-level command: its name and its constructor.
type topCommand struct {
	name string
	new  func() *cobra.Command
}

// commands lists the top-level commands in help order.
func (c *CLI) commands() []topCommand {
	return []topCommand{
		// containers
		{"run", c.newRunCommand}, {"create", c.newCreateCommand}, {"start", c.newStartCommand}, {"stop", c.newStopCommand},
		{"kill", c.newKillCommand}, {"restart", c.newRestartCommand}, {"rm", c.newRmCommand}, {"ps", c.newPsCommand},
		{"logs", c.newLogsCommand}, {"attach", c.newAttachCommand}, {"exec", c.newExecCommand}, {"wait", c.newWaitCommand},
		{"rename", c.newRenameCommand}, {"top", c.newTopCommand}, {"cp", c.newCpCommand}, {"diff", c.newDiffCommand},
		{"commit", c.newCommitCommand}, {"export", c.newExportCommand}, {"pause", c.newPauseCommand}, {"unpause", c.newUnpauseCommand},
		{"port", c.newPortCommand}, {"update", c.newUpdateCommand}, {"stats", c.newStatsCommand},
		// images
		{"images", c.newImagesCommand}, {"import", c.newImportCommand}, {"load", c.newLoadCommand}, {"save", c.newSaveCommand},
		{"tag", c.newTagCommand}, {"rmi", c.newRmiCommand}, {"history", c.newHistoryCommand}, {"pull", c.newPullCommand},
		{"push", c.newPushCommand}, {"build", c.newBuildCommand}, {"search", c.newSearchCommand},
		// system
		{"inspect", c.newInspectCommand}, {"version", c.newVersionCommand}, {"info", c.newInfoCommand}, {"events", c.newEventsCommand},
		{"login", c.newLoginCommand}, {"logout", c.newLogoutCommand},
		// management commands
		{"container", c.newContainerCommand}, {"image", c.newImageCommand}, {"system", c.newSystemCommand},
		{"volume", c.newVolumeCommand}, {"network", c.newNetworkCommand}, {"builder", c.newBuilderCommand},
	}
}

// commandWord returns the top-level command named by args when it is a
// plain command invocation (global flags first are skipped), or "" when
// the whole tree is needed: no command, help, or a word that may not be a
// command.
func commandWord(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-H" || a == "--host" || a == "-l" || a == "--log-level" || a == "--config" || a == "--context":
			i++ // the flag's value
		case a == "-D" || a == "--debug" || strings.HasPrefix(a, "--host=") || strings.HasPrefix(a, "--log-level=") ||
			strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "--context="):
		case strings.HasPrefix(a, "-"):
			return "" // -v, --help, or a flag error: cobra reports it
		default:
			if a == "help" || a == "__complete" || a == "completion" {
				return ""
			}
			return a
		}
	}
	return ""
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
