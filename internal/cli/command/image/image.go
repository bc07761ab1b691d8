package image

import (
	"github.com/berth/berth/internal/cli/command"
	"github.com/spf13/cobra"
)

// NewImageCommand makes "berth image".
func NewImageCommand(c command.Cli) *cobra.Command {
	return command.Group("image", "Manage images",
		NewHistoryCommand(c), NewImportCommand(c), NewImageInspectCommand(c), NewLoadCommand(c),
		command.Rename(NewImagesCommand(c), "ls", "list"), NewImagePruneCommand(c),
		command.Rename(NewRmiCommand(c), "rm", "rmi", "remove"), NewSaveCommand(c), NewTagCommand(c),
		NewPullCommand(c), NewPushCommand(c),
	)
}
