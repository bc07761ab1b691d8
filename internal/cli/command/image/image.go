package image

import (
	"github.com/berth/berth/internal/cli/command"
	"github.com/spf13/cobra"
)

func NewImageCommand(c command.Cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Manage images",
		Args:  command.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		NewHistoryCommand(c), NewImportCommand(c), NewImageInspectCommand(c), NewLoadCommand(c),
		command.Rename(NewImagesCommand(c), "ls", "list"), NewImagePruneCommand(c),
		command.Rename(NewRmiCommand(c), "rm", "rmi", "remove"), NewSaveCommand(c), NewTagCommand(c),
		NewPullCommand(c), NewPushCommand(c),
	)
	return cmd
}
