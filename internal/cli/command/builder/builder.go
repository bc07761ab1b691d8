package builder

import (
	"fmt"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	units "github.com/docker/go-units"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func NewBuilderCommand(c command.Cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "builder",
		Short: "Manage builds",
		Args:  command.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	build := NewBuildCommand(c)
	cmd.AddCommand(build, NewBuilderPruneCommand(c))
	return cmd
}

func NewBuilderPruneCommand(c command.Cli) *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove build cache",
		Args:  command.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !command.Confirm(c, "WARNING! This will remove all dangling build cache.") {
				return nil
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := api.BuildCachePrune(cmd.Context(), client.BuildCachePruneOptions{All: all})
			if err != nil {
				return err
			}
			if len(res.Report.CachesDeleted) > 0 {
				fmt.Fprintln(c.Out(), "Deleted build cache objects:\n"+strings.Join(res.Report.CachesDeleted, "\n"))
			}
			fmt.Fprintln(c.Out(), "Total reclaimed space:", units.HumanSize(float64(res.Report.SpaceReclaimed)))
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all unused build cache, not just dangling ones")
	f.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}
