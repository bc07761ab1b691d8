package cli

import (
	"fmt"
	"strings"

	units "github.com/docker/go-units"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func (c *CLI) newBuilderCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "builder",
		Short: "Manage builds",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	build := c.newBuildCommand()
	cmd.AddCommand(build, c.newBuilderPruneCommand())
	return cmd
}

func (c *CLI) newBuilderPruneCommand() *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove build cache",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !c.confirm("WARNING! This will remove all dangling build cache.") {
				return nil
			}
			api, err := c.client(cmd)
			if err != nil {
				return err
			}
			res, err := api.BuildCachePrune(cmd.Context(), client.BuildCachePruneOptions{All: all})
			if err != nil {
				return err
			}
			if len(res.Report.CachesDeleted) > 0 {
				fmt.Fprintln(c.Out, "Deleted build cache objects:\n"+strings.Join(res.Report.CachesDeleted, "\n"))
			}
			fmt.Fprintln(c.Out, "Total reclaimed space:", units.HumanSize(float64(res.Report.SpaceReclaimed)))
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all unused build cache, not just dangling ones")
	f.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}
