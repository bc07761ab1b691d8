package system

import (
	"github.com/berth/berth/internal/cli/command"
	"github.com/spf13/cobra"
)

func NewSystemCommand(c command.Cli) *cobra.Command {
	return command.Group("system", "Manage Docker",
		NewDfCommand(c), NewEventsCommand(c), NewInfoCommand(c), NewSystemPruneCommand(c),
	)
}
