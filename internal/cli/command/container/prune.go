package container

import (
	"context"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// NewContainerPruneCommand makes "berth container prune".
func NewContainerPruneCommand(c command.Cli) *cobra.Command {
	var force bool
	var filters []string
	cmd := command.New("prune [OPTIONS]", "Delete every stopped container", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			return command.Prune{Force: force, Warning: "WARNING! This will remove all stopped containers.", Filters: filters, Remove: Prune}.Run(cmd.Context(), c)
		})
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Skip the confirmation question")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, `Filter, key=value (e.g. "until=<timestamp>")`)
	return cmd
}

// Prune removes the stopped containers that match f and returns the
// space reclaimed and the report.
func Prune(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
	res, err := api.ContainerPrune(ctx, client.ContainerPruneOptions{Filters: f})
	if err != nil {
		return 0, "", err
	}
	return res.Report.SpaceReclaimed, command.Deleted("Deleted Containers", res.Report.ContainersDeleted), nil
}
