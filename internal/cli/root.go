package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/command/builder"
	"github.com/berth/berth/internal/cli/command/compose"
	"github.com/berth/berth/internal/cli/command/container"
	"github.com/berth/berth/internal/cli/command/image"
	"github.com/berth/berth/internal/cli/command/network"
	"github.com/berth/berth/internal/cli/command/system"
	"github.com/berth/berth/internal/cli/command/volume"
	"github.com/spf13/cobra"
)

// newRootCommand builds the command tree. When only names a top-level
// command, only that one is built: a CLI start then defines the flags of
// one command instead of all of them (most of the cost of a short command
// such as `berth run --rm IMAGE true`). Help and unknown commands build
// the whole tree.
func (c *CLI) newRootCommand(only string) *cobra.Command {
	var showVersion bool
	root := &cobra.Command{
		Use:              "berth [OPTIONS] COMMAND [ARG...]",
		Short:            "Run containers and manage their images, networks and volumes",
		SilenceUsage:     true,
		SilenceErrors:    true,
		TraverseChildren: true,
		Args:             command.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if showVersion {
				fmt.Fprintf(c.Out(), "berth version %s\n", system.Version)
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
	f.StringVarP(&c.host, "host", "H", "", "Daemon address, unix:///path or tcp://host:port (else $BERTH_HOST, $DOCKER_HOST)")
	f.BoolP("debug", "D", false, "Accepted for compatibility; no effect")
	f.StringP("log-level", "l", "info", "Accepted for compatibility; no effect")
	f.String("config", "", "Accepted for compatibility; no effect ($DOCKER_CONFIG is read)")
	f.String("context", "", "Accepted for compatibility; no effect")
	root.Flags().BoolVarP(&showVersion, "version", "v", false, "Print the version and exit")

	cmds := commands()
	if !slices.ContainsFunc(cmds, func(e topCommand) bool { return e.name == only }) {
		only = ""
	}
	for _, e := range cmds {
		if only == "" || e.name == only {
			root.AddCommand(e.new(c))
		}
	}
	setFlagErrors(root)
	return root
}

// topCommand is a top-level command: its name and its constructor.
type topCommand struct {
	name string
	new  func(command.Cli) *cobra.Command
}

// commands lists the top-level commands in help order.
func commands() []topCommand {
	return []topCommand{
		// containers
		{"run", container.NewRunCommand}, {"create", container.NewCreateCommand}, {"start", container.NewStartCommand}, {"stop", container.NewStopCommand},
		{"kill", container.NewKillCommand}, {"restart", container.NewRestartCommand}, {"rm", container.NewRmCommand}, {"ps", container.NewPsCommand},
		{"logs", container.NewLogsCommand}, {"attach", container.NewAttachCommand}, {"exec", container.NewExecCommand}, {"wait", container.NewWaitCommand},
		{"rename", container.NewRenameCommand}, {"top", container.NewTopCommand}, {"cp", container.NewCpCommand}, {"diff", container.NewDiffCommand},
		{"commit", container.NewCommitCommand}, {"export", container.NewExportCommand}, {"pause", container.NewPauseCommand}, {"unpause", container.NewUnpauseCommand},
		{"port", container.NewPortCommand}, {"update", container.NewUpdateCommand}, {"stats", container.NewStatsCommand},
		// images
		{"images", image.NewImagesCommand}, {"import", image.NewImportCommand}, {"load", image.NewLoadCommand}, {"save", image.NewSaveCommand},
		{"tag", image.NewTagCommand}, {"rmi", image.NewRmiCommand}, {"history", image.NewHistoryCommand}, {"pull", image.NewPullCommand},
		{"push", image.NewPushCommand}, {"build", builder.NewBuildCommand}, {"search", image.NewSearchCommand},
		// system
		{"inspect", system.NewInspectCommand}, {"version", system.NewVersionCommand}, {"info", system.NewInfoCommand}, {"events", system.NewEventsCommand},
		{"login", system.NewLoginCommand}, {"logout", system.NewLogoutCommand},
		// management commands
		{"container", container.NewContainerCommand}, {"image", newImageCommand}, {"system", system.NewSystemCommand},
		{"volume", volume.NewVolumeCommand}, {"network", network.NewNetworkCommand}, {"builder", builder.NewBuilderCommand},
		{"compose", compose.NewComposeCommand},
	}
}

// newImageCommand is "berth image": the image package's commands and
// "image build", which the builder package owns.
func newImageCommand(c command.Cli) *cobra.Command {
	cmd := image.NewImageCommand(c)
	cmd.AddCommand(builder.NewBuildCommand(c))
	return cmd
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
	return command.StatusError{Code: 125, Status: fmt.Sprintf("%s\nSee '%s --help'.\n\nUsage:  %s\n\nRun '%s --help' for more information",
		err, cmd.CommandPath(), cmd.UseLine(), cmd.CommandPath())}
}
