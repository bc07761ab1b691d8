package container

import (
	"github.com/berth/berth/internal/cli/command"
	"github.com/spf13/cobra"
)

// NewContainerCommand makes "berth container".
func NewContainerCommand(c command.Cli) *cobra.Command {
	return command.Group("container", "Manage containers",
		NewAttachCommand(c), NewCommitCommand(c), NewCpCommand(c), NewCreateCommand(c),
		NewDiffCommand(c), NewExecCommand(c), NewExportCommand(c), NewContainerInspectCommand(c),
		NewKillCommand(c), NewLogsCommand(c), command.Rename(NewPsCommand(c), "ls", "ps", "list"),
		NewPauseCommand(c), NewPortCommand(c), NewContainerPruneCommand(c), NewRenameCommand(c),
		NewRestartCommand(c), command.Rename(NewRmCommand(c), "rm", "remove"), NewRunCommand(c),
		NewStartCommand(c), NewStatsCommand(c), NewStopCommand(c), NewTopCommand(c), NewUnpauseCommand(c),
		NewUpdateCommand(c), NewWaitCommand(c),
	)
}
