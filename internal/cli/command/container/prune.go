package container

import (
	"context"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// NewContainerPruneCommand makes "berth container prune".
func NewContainerPruneCommand(c command.Cli) *cobra.Command {
	return command.NewPruneCommand(c, "Delete every stopped container", "", `Filter, key=value (e.g. "until=<timestamp>")`,
		func(bool) command.Prune {
			return command.Prune{Warning: "WARNING! This will remove all stopped containers.", Remove: Prune}
		})
}

// Prune removes the stopped containers that match f and returns the
// space reclaimed and the report.
func Prune(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
	res, err := api.ContainerPrune(ctx, client.ContainerPruneOptions{Filters: f})
	return command.Pruned(res.Report.SpaceReclaimed, "Deleted Containers", res.Report.ContainersDeleted, err)
}
