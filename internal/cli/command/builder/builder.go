package builder

import (
	"context"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

// NewBuilderCommand makes "berth builder".
func NewBuilderCommand(c command.Cli) *cobra.Command {
	return command.Group("builder", "Manage builds",
		NewBuildCommand(c), NewBuilderPruneCommand(c),
	)
}

// NewBuilderPruneCommand makes "berth builder prune".
func NewBuilderPruneCommand(c command.Cli) *cobra.Command {
	cmd := command.NewPruneCommand(c, "Delete the build cache: its dangling entries, or with -a all of it",
		"Remove all unused build cache, dangling or not", "",
		func(all bool) command.Prune {
			return command.Prune{Warning: "WARNING! This will remove all dangling build cache.",
				Remove: func(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
					space, report, err := Prune(all)(ctx, api, f)
					// no blank line after the list, as docker prints it
					return space, strings.TrimSuffix(report, "\n"), err
				}}
		})
	cmd.Use = "prune" // docker's usage line, without [OPTIONS]
	return cmd
}

// Prune is the Remover of the dangling build cache (all of it with all).
func Prune(all bool) command.Remover {
	return func(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
		res, err := api.BuildCachePrune(ctx, client.BuildCachePruneOptions{All: all, Filters: f})
		return command.Pruned(res.Report.SpaceReclaimed, "Deleted build cache objects", res.Report.CachesDeleted, err)
	}
}
