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
	var all, force bool
	cmd := command.New("prune", "Delete the build cache: its dangling entries, or with -a all of it", command.NoArgs,
		func(cmd *cobra.Command, args []string) error {
			return command.Prune{Force: force, Warning: "WARNING! This will remove all dangling build cache.",
				Remove: func(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
					space, report, err := Prune(all)(ctx, api, f)
					// no blank line after the list, as docker prints it
					return space, strings.TrimSuffix(report, "\n"), err
				}}.Run(cmd.Context(), c)
		})
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all unused build cache, dangling or not")
	f.BoolVarP(&force, "force", "f", false, "Skip the confirmation question")
	return cmd
}

// Prune is the Remover of the dangling build cache (all of it with all).
func Prune(all bool) command.Remover {
	return func(ctx context.Context, api client.APIClient, f client.Filters) (uint64, string, error) {
		res, err := api.BuildCachePrune(ctx, client.BuildCachePruneOptions{All: all, Filters: f})
		if err != nil {
			return 0, "", err
		}
		return res.Report.SpaceReclaimed, command.Deleted("Deleted build cache objects", res.Report.CachesDeleted), nil
	}
}
