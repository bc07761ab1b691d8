package system

import (
	"fmt"
	"strings"

	"github.com/berth/berth/internal/cli/command"
	containercmd "github.com/berth/berth/internal/cli/command/container"
	imagecmd "github.com/berth/berth/internal/cli/command/image"
	"github.com/berth/berth/internal/cli/opts"
	units "github.com/docker/go-units"
	"github.com/moby/moby/client"
	"github.com/spf13/cobra"
)

func NewSystemPruneCommand(c command.Cli) *cobra.Command {
	var all, force, volumes bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused data",
		Args:  command.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			warning := "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n"
			if volumes {
				warning += "  - all anonymous volumes not used by at least one container\n"
			}
			if all {
				warning += "  - all images without at least one container associated to them\n"
			} else {
				warning += "  - all dangling images\n"
			}
			warning += "  - unused build cache\n"
			if !force && !command.Confirm(c, warning) {
				return nil
			}
			api, err := c.Client(cmd.Context())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var total uint64
			space, out, err := containercmd.Prune(ctx, api, filters)
			if err != nil {
				return err
			}
			total += space
			if out != "" {
				fmt.Fprintln(c.Out(), out)
			}
			f, err := opts.ParseFilters(filters)
			if err != nil {
				return err
			}
			if res, err := api.NetworkPrune(ctx, client.NetworkPruneOptions{Filters: f}); err == nil && len(res.Report.NetworksDeleted) > 0 {
				fmt.Fprintln(c.Out(), "Deleted Networks:\n"+strings.Join(res.Report.NetworksDeleted, "\n")+"\n")
			}
			if volumes {
				if res, err := api.VolumePrune(ctx, client.VolumePruneOptions{Filters: f}); err == nil {
					total += res.Report.SpaceReclaimed
					if len(res.Report.VolumesDeleted) > 0 {
						fmt.Fprintln(c.Out(), "Deleted Volumes:\n"+strings.Join(res.Report.VolumesDeleted, "\n")+"\n")
					}
				}
			}
			space, out, err = imagecmd.Prune(cmd, api, all, filters)
			if err != nil {
				return err
			}
			total += space
			if out != "" {
				fmt.Fprintln(c.Out(), out)
			}
			if res, err := api.BuildCachePrune(ctx, client.BuildCachePruneOptions{All: all, Filters: f}); err == nil {
				total += res.Report.SpaceReclaimed
				if len(res.Report.CachesDeleted) > 0 {
					fmt.Fprintln(c.Out(), "Deleted build cache objects:\n"+strings.Join(res.Report.CachesDeleted, "\n")+"\n")
				}
			}
			fmt.Fprintln(c.Out(), "Total reclaimed space:", units.HumanSize(float64(total)))
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&all, "all", "a", false, "Remove all unused images not just dangling ones")
	f.BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	f.BoolVar(&volumes, "volumes", false, "Prune anonymous volumes")
	f.Var(opts.NewList(&filters), "filter", `Provide filter values (e.g. "label=<key>=<value>")`)
	return cmd
}
