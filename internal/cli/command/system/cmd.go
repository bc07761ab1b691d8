package system

import (
	"github.com/berth/berth/internal/cli/command"
	"github.com/spf13/cobra"
)

func NewSystemCommand(c command.Cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "system",
		Short: "Manage Docker",
		Args:  command.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewDfCommand(c), NewEventsCommand(c), NewInfoCommand(c), NewSystemPruneCommand(c))
	return cmd
}
