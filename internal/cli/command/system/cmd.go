package system

import (
	"github.com/berth/berth/internal/cli/command"
	"github.com/spf13/cobra"
)

// NewSystemCommand makes "berth system".
func NewSystemCommand(c command.Cli) *cobra.Command {
	return command.Group("system", "Look after the engine: disk use, events, information, pruning",
		NewDfCommand(c), NewEventsCommand(c), NewInfoCommand(c), NewSystemPruneCommand(c),
	)
}
