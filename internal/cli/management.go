package cli

import (
	"github.com/spf13/cobra"
)

func (c *CLI) newContainerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "container",
		Short: "Manage containers",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		c.newAttachCommand(), c.newCommitCommand(), c.newCpCommand(), c.newCreateCommand(),
		c.newDiffCommand(), c.newExecCommand(), c.newExportCommand(), c.newContainerInspectCommand(),
		c.newKillCommand(), c.newLogsCommand(), rename(c.newPsCommand(), "ls", "ps", "list"),
		c.newPauseCommand(), c.newPortCommand(), c.newContainerPruneCommand(), c.newRenameCommand(),
		c.newRestartCommand(), rename(c.newRmCommand(), "rm", "remove"), c.newRunCommand(),
		c.newStartCommand(), c.newStatsCommand(), c.newStopCommand(), c.newTopCommand(), c.newUnpauseCommand(),
		c.newUpdateCommand(), c.newWaitCommand(),
	)
	return cmd
}

func (c *CLI) newImageCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Manage images",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		c.newHistoryCommand(), c.newImportCommand(), c.newImageInspectCommand(), c.newLoadCommand(),
		rename(c.newImagesCommand(), "ls", "list"), c.newImagePruneCommand(),
		rename(c.newRmiCommand(), "rm", "rmi", "remove"), c.newSaveCommand(), c.newTagCommand(),
		c.newPullCommand(), c.newPushCommand(), c.newBuildCommand(),
	)
	return cmd
}

func (c *CLI) newSystemCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "system",
		Short: "Manage Docker",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(c.newDfCommand(), c.newEventsCommand(), c.newInfoCommand(), c.newSystemPruneCommand())
	return cmd
}
